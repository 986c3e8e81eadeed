"""Live multi-person pose from a webcam (or any video) with detect-then-track and One Euro smoothing.

    python examples/webcam.py edgepose/pretrained/edgehrnet-m_coco17_int8.tflite \
        --detector pose_detection.tflite [--camera 0 | --video clip.mp4] [--redetect-every 10]

The detector runs on the first frame, every --redetect-every frames, and whenever a person's
pose score drops; in between each person's box follows their keypoints. Keypoints are smoothed
per person by a One Euro filter (--min-cutoff lower = smoother, --beta higher = less lag).
Runtime only (numpy + OpenCV + LiteRT). The window needs OpenCV with GUI support (pip
opencv-python); with the headless build edgepose installs, pass --out annotated.mp4 instead.
Press q to quit the window.
"""

from __future__ import annotations

import argparse
import time

import cv2

from edgepose.runtime.detectors import open_detector
from edgepose.runtime.peers import open_pose_model
from edgepose.runtime.tracking import DetectThenTrack
from edgepose.viz import draw_pose


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--detector", required=True)
    ap.add_argument("--camera", type=int, default=0)
    ap.add_argument("--video")
    ap.add_argument("--redetect-every", type=int, default=10)
    ap.add_argument("--min-cutoff", type=float, default=1.0)
    ap.add_argument("--beta", type=float, default=0.05)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", help="write an annotated .mp4 instead of showing a window")
    args = ap.parse_args()

    tracker = DetectThenTrack(
        open_pose_model(args.model, threads=args.threads),
        open_detector(args.detector, threads=args.threads),
        redetect_every=args.redetect_every,
        smoothing={"min_cutoff": args.min_cutoff, "beta": args.beta},
    )
    cap = cv2.VideoCapture(args.video if args.video else args.camera)
    if not cap.isOpened():
        raise SystemExit(f"error: cannot open {'video ' + args.video if args.video else f'camera {args.camera}'}")
    start = time.perf_counter()
    writer = None
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        poses = tracker(rgb, time.perf_counter() - start)
        for pose in poses:
            rgb = draw_pose(rgb, pose.keypoints, pose.scores)
        stats = tracker.stats
        label = f"{len(poses)} people, detector on {stats['detector_calls']}/{stats['frames']} frames"
        cv2.putText(rgb, label, (8, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1)
        frame = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
        if args.out:
            if writer is None:
                fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
                writer = cv2.VideoWriter(args.out, cv2.VideoWriter_fourcc(*"mp4v"), fps, frame.shape[1::-1])
            writer.write(frame)
            continue
        cv2.imshow("edgepose", frame)
        if cv2.waitKey(1) & 0xFF == ord("q"):
            break
    cap.release()
    if writer is not None:
        writer.release()
    else:
        cv2.destroyAllWindows()


if __name__ == "__main__":
    main()
