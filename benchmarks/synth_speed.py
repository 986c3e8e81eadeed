"""Synthetic generator throughput (images/s), single process and through the writer's process pool.

Run: python benchmarks/synth_speed.py [-n 300]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from edgepose.data.synth import render_image
from edgepose.data.synth_writer import write_synth


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=300)
    args = ap.parse_args()
    t0 = time.perf_counter()
    for i in range(args.n):
        render_image(0, i)
    single = args.n / (time.perf_counter() - t0)
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        write_synth(d, args.n, seed=0)
        pooled = args.n / (time.perf_counter() - t0)
    print(f"render only, 1 process: {single:.0f} images/s")
    print(f"render + JPEG + JSON, {os.cpu_count()} processes: {pooled:.0f} images/s")


if __name__ == "__main__":
    main()
