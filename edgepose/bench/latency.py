"""Latency of one model file through the model seam (LiteRT for ``.tflite``; ONNX Runtime, OpenVINO)."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..engine.model import open_model
from ..errors import EdgeposeError

MAX_RUNS = 100_000  # timed invocations per model and thread count: enough for p99, bounded in time and memory


def random_inputs(specs: list[tuple[Any, Any]], seed: int = 0) -> list[np.ndarray]:
    """Random arrays for ``(shape, dtype)`` specs: the dtype's full range for integers, 0..255 for floats."""
    rng = np.random.default_rng(seed)
    feed = []
    for shape, dtype in specs:
        dtype = np.dtype(dtype)
        if np.issubdtype(dtype, np.integer):
            info = np.iinfo(dtype)
            feed.append(rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dtype))
        else:
            feed.append(rng.uniform(0, 255, size=shape).astype(dtype))
    return feed


def timed_ms(invoke: Callable[[], Any], warmup: int, runs: int) -> np.ndarray:
    """``warmup`` untimed calls, then the times of ``runs`` calls in milliseconds."""
    for _ in range(warmup):
        invoke()
    times = np.empty(runs)
    for i in range(runs):
        t0 = time.perf_counter()
        invoke()
        times[i] = (time.perf_counter() - t0) * 1e3
    return times


def bench_latency(
    model: str | Path, threads: int = 1, warmup: int = 10, runs: int = 100, backend: str = "auto"
) -> dict[str, Any]:
    """Load time, first inference and steady-state statistics in milliseconds, plus peak RSS (MiB).

    The input is random data of the model's input dtype; timings cover inference only (LiteRT:
    ``invoke()``).
    """
    if not (0 <= warmup <= MAX_RUNS and 1 <= runs <= MAX_RUNS):
        raise EdgeposeError(f"`warmup` must be in 0..{MAX_RUNS} and `runs` in 1..{MAX_RUNS}, got {warmup} and {runs}")
    t0 = time.perf_counter()
    m = open_model(model, threads=threads, backend=backend)
    load_ms = (time.perf_counter() - t0) * 1e3
    invoke = m.runner(*random_inputs([(spec.shape, spec.dtype) for spec in m.inputs]))
    t0 = time.perf_counter()
    invoke()
    first_ms = (time.perf_counter() - t0) * 1e3
    times = timed_ms(invoke, warmup, runs)
    return {
        "model": str(model),
        "threads": threads,
        "runs": runs,
        "warmup": warmup,
        "load_ms": round(load_ms, 2),
        "first_ms": round(first_ms, 3),
        "mean_ms": round(float(times.mean()), 3),
        "median_ms": round(float(np.median(times)), 3),
        "p90_ms": round(float(np.percentile(times, 90)), 3),
        "p99_ms": round(float(np.percentile(times, 99)), 3),
        "std_ms": round(float(times.std()), 3),
        "min_ms": round(float(times.min()), 3),
        "max_ms": round(float(times.max()), 3),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
    }
