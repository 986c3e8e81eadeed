"""Benchmarks: latency (the figures of TFLite's benchmark_model) and, later, accuracy/compare."""

from .latency import bench_latency  # noqa: F401
