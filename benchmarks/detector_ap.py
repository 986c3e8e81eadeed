"""Person AP of person detectors on a COCO file (pycocotools bbox, person category only), the
protocol of ``../shared/peers/README.md``: score >= 0.01, NMS 0.6, at most 100 boxes an image,
crowd regions ignored.

    .venv/bin/python benchmarks/detector_ap.py DET [DET ...] [--data ANN.json --images DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import time
from pathlib import Path

import numpy as np

from edgepose.data.coco import load_coco
from edgepose.runtime.detectors import open_detector
from edgepose.transforms import load_rgb


def person_ap(detector_path: Path, annotations: Path, images: Path, threads: int = 1) -> dict:
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    coco = load_coco(annotations)
    det = open_detector(detector_path, threads=threads, score_threshold=0.01, iou_threshold=0.6, max_people=100)
    results, times = [], []
    for im in coco["images"]:
        image = load_rgb(images / im["file_name"])
        t0 = time.perf_counter()
        dets = det.detect(image)
        times.append((time.perf_counter() - t0) * 1000)
        results += [{"image_id": im["id"], "category_id": 1, "bbox": d.box, "score": d.score} for d in dets]
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(str(annotations))
        ev = COCOeval(gt, gt.loadRes(results), iouType="bbox")
        ev.params.catIds = [1]
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return {"detector": detector_path.name, "kind": det.kind, "AP": ev.stats[0], "AP50": ev.stats[1], "AR100": ev.stats[8],
            "median_ms": float(np.median(times)), "threads": threads}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("detectors", nargs="+", type=Path)
    ap.add_argument("--data", type=Path, default=Path("../shared/data/coco_val/person_keypoints.json"))
    ap.add_argument("--images", type=Path, default=Path("../shared/data/coco_val/images"))
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    print("| detector | kind | person AP | AP50 | AR@100 | median ms (detect, incl. pre/post) |")
    print("|---|---|---|---|---|---|")
    for d in args.detectors:
        r = person_ap(d, args.data, args.images, args.threads)
        print(f"| {r['detector']} | {r['kind']} | {r['AP']:.3f} | {r['AP50']:.3f} | {r['AR100']:.3f} | {r['median_ms']:.1f} |")


if __name__ == "__main__":
    main()
