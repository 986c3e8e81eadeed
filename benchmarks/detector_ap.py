"""Person AP of person detectors on a COCO file (pycocotools bbox, person category only), the
protocol of ``../shared/peers/README.md``: score >= 0.01, NMS 0.6, at most 100 boxes an image,
crowd regions ignored (:func:`edgepose.bench.detection.person_ap`).

    .venv/bin/python benchmarks/detector_ap.py DET [DET ...] [--data ANN.json --images DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from edgepose.bench.detection import person_ap


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
