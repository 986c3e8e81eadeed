"""Detect, then pose: detector (float, int8) x pose model -> person AP, pose AP with detected boxes
(the standard COCO protocol) next to AP with ground-truth boxes, and end-to-end ms per image on
one thread (detector + every person's pose, pre/post-processing included; median over images).

    .venv/bin/python benchmarks/detector/pose_table.py [--threshold 0.3] > runs/detector/pose_table.md
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from edgepose.bench.accuracy import bench_accuracy
from edgepose.bench.detection import person_ap
from edgepose.data.coco import load_coco
from edgepose.estimators import load_estimator
from edgepose.pretrained import pretrained_detector, pretrained_tflite
from edgepose.runtime.detectors import open_detector
from edgepose.runtime.tracking import detect_poses
from edgepose.transforms import load_rgb

PEERS = Path("../shared/peers")
DATA = Path("../shared/data/coco_val")


def end_to_end_ms(pose_path: Path, det_path: Path, coco: dict, threshold: float) -> float:
    estimator = load_estimator(pose_path, threads=1)
    detector = open_detector(det_path, threads=1, score_threshold=threshold)
    times = []
    for im in coco["images"]:
        image = load_rgb(DATA / "images" / im["file_name"])
        t0 = time.perf_counter()
        detect_poses(estimator, detector, image)
        times.append((time.perf_counter() - t0) * 1000)
    return float(np.median(times))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threshold", type=float, default=0.3, help="detector score threshold for the pose runs")
    args = ap.parse_args()
    detectors = {
        "YOLOX-nano float (ONNX)": PEERS / "detectors/yolox_nano/yolox_nano.onnx",
        "YOLOX-nano int8 (shipped)": pretrained_detector(),
    }
    poses = {
        "edgehrnet-m int8 (shipped)": pretrained_tflite(),
        "PP-TinyPose 128x96 (OpenVINO)": PEERS / "pp_tinypose/128x96/model.xml",
        "MoveNet Lightning int8": PEERS / "movenet_single_pose_lightning_ptq.tflite",
    }
    coco = load_coco(DATA / "person_keypoints.json")
    print(f"coco_val ({len(coco['images'])} images), detector threshold {args.threshold} for pose, one thread for timing")
    print()
    print(
        "| detector | person AP | pose model | pose AP, GT boxes | pose AP, detected boxes | AP50, detected "
        "| e2e ms / image, 1 thread |"
    )
    print("|---|---|---|---|---|---|---|")
    for dname, dpath in detectors.items():
        det_ap = person_ap(dpath, DATA / "person_keypoints.json", DATA / "images")["AP"]
        for pname, ppath in poses.items():
            r = bench_accuracy(ppath, DATA / "person_keypoints.json", DATA / "images", threads=1, detector=dpath,
                               det_threshold=args.threshold)  # fmt: skip
            ms = end_to_end_ms(ppath, dpath, coco, args.threshold)
            d = r["detected"]
            row = f"| {dname} | {det_ap:.3f} | {pname} | {r['AP']:.3f} | {d['AP']:.3f} | {d['AP50']:.3f} | {ms:.1f} |"
            print(row, flush=True)


if __name__ == "__main__":
    main()
