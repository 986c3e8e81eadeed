"""Latency of one model file through the model seam (LiteRT for ``.tflite``; ONNX Runtime, OpenVINO)."""

from __future__ import annotations

import resource
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..engine.model import open_model
from ..errors import EdgeposeError

MAX_RUNS = 100_000  # timed invocations per model and thread count: enough for p99, bounded in time and memory


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
    rng = np.random.default_rng(0)
    feed = []
    for spec in m.inputs:
        dtype = np.dtype(spec.dtype)
        if np.issubdtype(dtype, np.integer):
            info = np.iinfo(dtype)
            feed.append(rng.integers(info.min, info.max, size=spec.shape, endpoint=True).astype(dtype))
        else:
            feed.append(rng.uniform(0, 255, size=spec.shape).astype(dtype))
    invoke = m.runner(*feed)
    t0 = time.perf_counter()
    invoke()
    first_ms = (time.perf_counter() - t0) * 1e3
    for _ in range(warmup):
        invoke()
    times = np.empty(runs)
    for i in range(runs):
        t0 = time.perf_counter()
        invoke()
        times[i] = (time.perf_counter() - t0) * 1e3
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
