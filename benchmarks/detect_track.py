"""Detect-then-track vs detector-every-frame on a synthetic video (moving rendered people).

    python benchmarks/detect_track.py --model POSE.tflite --detector DET.tflite [--frames 90]
        [--redetect-every 10] [--out DIR]

The clip comes from the project's own generator (``edgepose.data.synth.render_video``: two
people walking across a fixed background, ground truth per frame). For each mode it reports
frames/s (detector + pose, one thread), detector calls, people found (a prediction whose mean
keypoint error is under 25 % of the person's height) and the mean keypoint error in pixels and
in % of height over found people. Writes ``detect_track.json`` / ``.md`` to ``--out``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from edgepose.data.synth import render_video
from edgepose.report import write_report
from edgepose.runtime.detectors import open_detector
from edgepose.runtime.peers import open_pose_model
from edgepose.runtime.tracking import DetectThenTrack, detect_poses


def score_frame(poses, gt: np.ndarray) -> list[tuple[float, float] | None]:
    """Per ground-truth person: ``(error px, error / height)`` of the closest prediction, None if missed."""
    out = []
    for person in gt:
        vis = person[:, 2] > 0
        if vis.sum() < 2:
            continue
        height = float(np.ptp(person[vis, 1])) or 1.0
        errors = [float(np.linalg.norm(p.keypoints[vis] - person[vis, :2], axis=1).mean()) for p in poses]
        best = min(errors) if errors else np.inf
        out.append((best, best / height) if best / height < 0.25 else None)
    return out


def run(mode: str, frames, estimator, detector, redetect_every: int, fps: float) -> dict:
    tracker = DetectThenTrack(estimator, detector, redetect_every=redetect_every) if mode == "track" else None
    scored, calls = [], 0
    start = time.perf_counter()
    all_poses = []
    for i, (img, _) in enumerate(frames):
        if tracker is not None:
            poses = tracker(img, i / fps)
        else:
            poses = detect_poses(estimator, detector, img)
            calls += 1
        all_poses.append(poses)
    seconds = time.perf_counter() - start
    for poses, (_, gt) in zip(all_poses, frames):
        scored.extend(score_frame(poses, gt))
    found = [s for s in scored if s is not None]
    return {
        "mode": "detect-then-track" if tracker else "detector every frame",
        "frames": len(frames),
        "detector_calls": tracker.stats["detector_calls"] if tracker else calls,
        "fps": len(frames) / seconds,
        "people_found": len(found) / max(len(scored), 1),
        "error_px": float(np.mean([e for e, _ in found])) if found else float("nan"),
        "error_pct_height": 100 * float(np.mean([r for _, r in found])) if found else float("nan"),
        "track_ids": len({p.track_id for ps in all_poses for p in ps}) if tracker else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--detector", required=True)
    ap.add_argument("--frames", type=int, default=90)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--redetect-every", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    fps = 15.0
    frames = list(render_video(args.seed, args.frames, fps=fps))
    estimator = open_pose_model(args.model, threads=args.threads)
    detector = open_detector(args.detector, threads=args.threads)
    rows = [run(m, frames, estimator, detector, args.redetect_every, fps) for m in ("every", "track")]
    base = rows[0]["error_px"]
    lines = [
        f"{args.frames} frames, 2 people, 320x240, seed {args.seed}; "
        f"pose {Path(args.model).name}, detector {Path(args.detector).name}",
        "",
        "| mode | detector calls | frames/s | people found | keypoint error px | % of height | vs every frame | track ids |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['mode']} | {r['detector_calls']} / {r['frames']} | {r['fps']:.1f} | {100 * r['people_found']:.1f} % | "
            f"{r['error_px']:.2f} | {r['error_pct_height']:.2f} | {100 * (r['error_px'] / base - 1):+.1f} % | "
            f"{r['track_ids'] or '-'} |"
        )
    text = "\n".join(lines)
    print(text)
    if args.out:
        write_report(args.out, "detect_track", rows, text)


if __name__ == "__main__":
    main()
