"""Compare x86 and aarch64 runs: predict's results.json and the probe's raw outputs.

    python benchmarks/arm64/compare.py X86_DIR ARM_DIR [--tol-px 0.0101]

Each DIR holds ``probe.npz`` (``probe.py``) and one sub-folder per fixture with the
``results.json`` of ``edgepose predict``.
Prints one Markdown table; exits 1 when the raw int8 outputs differ or a keypoint moves more
than ``--tol-px`` pixels.

``results.json`` rounds coordinates to 0.01 px. With byte-identical int8 heatmaps the decode's
float arithmetic (libm, OpenCV's SIMD paths) may still differ in the last bits between
architectures, and a value sitting on a rounding boundary then lands one 0.01 px step apart.
So the default tolerance is one rounding step; anything larger is a real difference.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from edgepose.predict import COORD_DECIMALS

ROUNDING_STEP_PX = 10.0**-COORD_DECIMALS  # the coordinate step of predict's results.json


def _keypoints(path: Path) -> tuple[list[tuple[int, int]], np.ndarray, np.ndarray]:
    results = json.loads(path.read_text())
    keys = [(r["image_id"], i) for i, r in enumerate(results)]
    kps = np.array([r["keypoints"] for r in results], dtype=np.float64).reshape(len(results), -1, 3)
    scores = np.array([r["score"] for r in results], dtype=np.float64)
    return keys, kps, scores


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("x86", type=Path)
    parser.add_argument("arm", type=Path)
    parser.add_argument("--tol-px", type=float, default=ROUNDING_STEP_PX + 1e-4)
    args = parser.parse_args()
    ok = True
    rows = []
    probe_a = np.load(args.x86 / "probe.npz")
    probe_b = np.load(args.arm / "probe.npz")
    raw_a, raw_b = probe_a["outputs"], probe_b["outputs"]
    same_raw = raw_a.shape == raw_b.shape and raw_a.dtype == raw_b.dtype and np.array_equal(raw_a, raw_b)
    differing = int(np.count_nonzero(raw_a != raw_b)) if raw_a.shape == raw_b.shape else -1
    rows.append(
        (
            f"raw {raw_a.dtype} outputs, {raw_a.shape[0]} random inputs",
            f"{raw_a.size:,} values",
            "byte-identical" if same_raw else f"{differing:,} values differ",
        )
    )
    ok &= same_raw
    for results_a in sorted(args.x86.glob("*/results.json")):
        name = results_a.parent.name
        results_b = args.arm / name / "results.json"
        if not results_b.is_file():
            rows.append((f"predict on {name}", "-", f"missing {results_b}"))
            ok = False
            continue
        keys_a, kps_a, scores_a = _keypoints(results_a)
        keys_b, kps_b, scores_b = _keypoints(results_b)
        if keys_a != keys_b:
            rows.append((f"predict on {name}", f"{len(keys_a)} vs {len(keys_b)} people", "different people/order"))
            ok = False
            continue
        moved = np.abs(kps_a[..., :2] - kps_b[..., :2])  # per-coordinate |dx|, |dy| in px
        dxy = float(moved.max()) if len(kps_a) else 0.0
        dscore = float(np.abs(kps_a[..., 2] - kps_b[..., 2]).max()) if len(kps_a) else 0.0
        exact = bool(np.array_equal(kps_a, kps_b) and np.array_equal(scores_a, scores_b))
        rows.append(
            (
                f"predict on {name}: keypoints of {len(keys_a)} people",
                f"{kps_a.shape[0] * kps_a.shape[1]} keypoints",
                "identical"
                if exact
                else f"max |dxy| {dxy:.2e} px ({np.count_nonzero(moved)} coordinates differ; results.json rounds to "
                f"{ROUNDING_STEP_PX} px), max |dscore| {dscore:.2e}",
            )
        )
        ok &= dxy <= args.tol_px
    print(f"| compared ({probe_a['machine']} vs {probe_b['machine']}) | size | result |")
    print("|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print("arm64 == x86: " + ("yes" if ok else "NO"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
