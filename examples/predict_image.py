"""Run an edgepose TFLite model on one image with the runtime only (numpy + OpenCV + LiteRT).

    python examples/predict_image.py runs/pipeline/models/model_int8.tflite photo.jpg \
        --box 40,30,200,380 --out pose.png

Without --box the whole image is treated as one person.
"""

from __future__ import annotations

import argparse

import cv2

from edgepose.keypoints import COCO_KEYPOINTS
from edgepose.runtime import PoseEstimator
from edgepose.transforms import load_rgb
from edgepose.viz import draw_pose


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("image")
    ap.add_argument("--box", help="x,y,w,h of the person in pixels")
    ap.add_argument("--out", default="pose.png")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    estimator = PoseEstimator(args.model, threads=args.threads)
    image = load_rgb(args.image)
    boxes = [[float(v) for v in args.box.split(",")]] if args.box else None
    pose = estimator.predict(image, boxes)[0]
    for name, (x, y), s in zip(COCO_KEYPOINTS, pose.keypoints, pose.scores):
        print(f"{name:15s} x={x:7.1f} y={y:7.1f} score={s:.2f}")
    cv2.imwrite(args.out, cv2.cvtColor(draw_pose(image, pose.keypoints, pose.scores), cv2.COLOR_RGB2BGR))
    print(f"drawn: {args.out}")


if __name__ == "__main__":
    main()
