"""Student sweep, latency half: int8 latency (LiteRT, 1 and 2 threads) and Edge TPU mapping of
each candidate student (model x input size), with MoveNet Lightning int8 in the same run.

Latency does not depend on the weights, so untrained models calibrated on random crops are
converted (same graph as the trained ones). Writes JSON + Markdown.

    .venv/bin/python benchmarks/distill/student_latency.py --out runs/distill/student_latency
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

from edgepose.bench.latency import bench_latency
from edgepose.edgetpu.check import edgetpu_check
from edgepose.fsutil import atomic_write_json, atomic_write_text
from edgepose.models import create_model
from edgepose.models.info import model_info
from edgepose.quantize.convert import quantize

CANDIDATES = [
    ("edgehrnet-t", (96, 128)),
    ("edgehrnet-t", (128, 160)),
    ("edgehrnet-t", (160, 224)),
    ("edgehrnet-m", (96, 128)),
    ("edgehrnet-m", (128, 160)),
    ("edgehrnet-s", (96, 128)),
    ("edgehrnet-s", (128, 160)),
    ("edgehrnet-s", (192, 256)),
    ("edgehrnet-s", (160, 224)),
]
MOVENET = Path("../shared/peers/movenet_single_pose_lightning_ptq.tflite")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--candidates", default="", help="MODEL:HxW,... (default: the built-in list)")
    args = ap.parse_args()
    candidates = CANDIDATES
    if args.candidates:
        candidates = []
        for item in args.candidates.split(","):
            name, size = item.split(":")
            h, w = (int(v) for v in size.split("x"))
            candidates.append((name, (w, h)))
    rows = []
    ref = {t: bench_latency(MOVENET, threads=t, warmup=20, runs=args.runs)["median_ms"] for t in (1, 2)}
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        for name, (w, h) in candidates:
            model = create_model(name, (w, h))
            calib = rng.integers(0, 256, (16, h, w, 3), dtype=np.uint8)
            path = Path(tmp) / f"{name}_{h}x{w}_int8.tflite"
            quantize(model, path, "int8", calib=calib)
            lat = {t: bench_latency(path, threads=t, warmup=20, runs=args.runs)["median_ms"] for t in (1, 2)}
            tpu = edgetpu_check(path)
            info = model_info(name, (w, h))
            rows.append(
                {
                    "model": name,
                    "input_hw": [h, w],
                    "params": info.get("params"),
                    "macs": info.get("macs"),
                    "int8_kib": round(path.stat().st_size / 1024),
                    "ms_1": lat[1],
                    "ms_2": lat[2],
                    "ratio_movenet_1": round(lat[1] / ref[1], 3),
                    "tpu_mapped": tpu.get("op_share"),
                    "tpu_partitions": tpu.get("segments"),
                }
            )
            print(json.dumps(rows[-1]), flush=True)
    report = {"movenet_ms": ref, "rows": rows}
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(args.out / "student_latency.json", report)
    lines = [
        f"MoveNet Lightning int8 in the same run: {ref[1]:.2f} ms (1 thread), {ref[2]:.2f} ms (2 threads).",
        "",
        "| student | input | params | MACs | int8 KiB | ms, 1 thr | ms, 2 thr | / MoveNet (1 thr) | Edge TPU mapped | partitions |",  # noqa: E501
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['model']} | {r['input_hw'][0]}x{r['input_hw'][1]} | {r['params']:,} | {r['macs'] / 1e6:.0f} M | {r['int8_kib']} | "  # noqa: E501
            f"{r['ms_1']:.2f} | {r['ms_2']:.2f} | {r['ratio_movenet_1']:.2f} | {r['tpu_mapped']} | {r['tpu_partitions']} |"
        )
    atomic_write_text(args.out / "student_latency.md", "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
