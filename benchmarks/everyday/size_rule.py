"""The measured rule behind ``--min-height`` for the everyday pool (issue 24): how well the teacher
(PP-TinyPose 256x192) agrees with human COCO keypoints as a function of the person's box height
in the stored (416x416) image. Input: a teacher-labelled import of the pool *without* a height cut,
restricted to people with >= 5 human keypoints (one export per source).

    edgepose data import POOL --keypoints-from KP --out /tmp/pool_all.json
    python benchmarks/everyday/size_rule.py /tmp/pool_all.json --images POOL --teacher T.xml

Prints PCK@0.2 (of the box's longer side) and mean OKS per height bin.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

from edgepose.data.distill import teacher_label_source
from edgepose.keypoints import OKS_SIGMAS

BINS = [(0, 24), (24, 32), (32, 48), (48, 64), (64, 96), (96, 128), (128, 192), (192, 10_000)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pool", type=Path)
    ap.add_argument("--images", type=Path, required=True)
    ap.add_argument("--teacher", type=Path, required=True)
    args = ap.parse_args()
    coco = json.loads(args.pool.read_text())
    labelled = {a["image_id"] for a in coco["annotations"] if a["num_keypoints"] > 0}
    seen, keep = set(), set()
    for im in coco["images"]:
        if im["id"] in labelled and im["source"] not in seen:
            seen.add(im["source"])
            keep.add(im["id"])
    sub = {**coco, "images": [i for i in coco["images"] if i["id"] in keep],
           "annotations": [a for a in coco["annotations"] if a["image_id"] in keep]}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sub.json"
        path.write_text(json.dumps(sub))
        labelled_doc = teacher_label_source(path, args.teacher, images=args.images)
    rows = []
    sigmas = np.asarray(OKS_SIGMAS)
    for a in labelled_doc["annotations"]:
        if a["num_keypoints"] < 5 or "teacher_keypoints" not in a:
            continue
        k = np.array(a["keypoints"], float).reshape(17, 3)
        t = np.array(a["teacher_keypoints"], float).reshape(17, 3)
        m = k[:, 2] > 0
        d = np.linalg.norm(k[m, :2] - t[m, :2], axis=1)
        bw, bh = a["bbox"][2:]
        oks = np.exp(-(d**2) / (2 * a["area"] * (2 * sigmas[m]) ** 2 + 1e-9)).mean()
        rows.append((bh, float((d < 0.2 * max(bw, bh)).mean()), float(oks)))
    r = np.array(rows)
    print(f"{len(r)} people with >= 5 human keypoints ({len(keep)} sources)")
    print("| box height (px) | people | teacher PCK@0.2 | mean OKS |")
    print("|---|---|---|---|")
    for lo, hi in BINS:
        s = r[(r[:, 0] >= lo) & (r[:, 0] < hi)]
        if len(s):
            print(f"| {lo}-{hi if hi < 10_000 else ''} | {len(s)} | {s[:, 1].mean():.3f} | {s[:, 2].mean():.3f} |")


if __name__ == "__main__":
    main()
