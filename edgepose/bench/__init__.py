"""Benchmarks: latency (the figures of TFLite's benchmark_model) and accuracy (COCO AP, PCK)."""

from .accuracy import bench_accuracy  # noqa: F401
from .latency import bench_latency  # noqa: F401
