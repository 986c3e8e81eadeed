"""``edgepose predict``: a pose model over an image, a folder of images or a video.

Top-down: people come from ``--coco`` ground-truth boxes (the evaluation protocol), from a person
detector (``detector``; on a video, detect-then-track; with ``coco`` too, the detector's boxes on
the COCO file's images, results under its image ids: the detected-box protocol), or, with neither,
the whole frame is one person. Writes ``results.json`` (COCO keypoint results; for a video one entry per person and
frame with ``frame`` and ``track_id``), drawn images (or an annotated ``.mp4``). Runtime only:
numpy, OpenCV, LiteRT.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import cv2
import numpy as np

from .errors import EdgeposeError
from .fsutil import atomic_write, atomic_write_json
from .transforms import image_files, load_rgb
from .viz import draw_pose, encode_png

VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm")
COORD_DECIMALS = 2  # results.json rounds keypoint and box coordinates to 0.01 px


def coco_result(image_id: Any, pose, extra: dict | None = None) -> dict[str, Any]:
    """One COCO keypoint result; with a detector, ``score`` = pose score x detector score."""
    kps = np.concatenate([pose.keypoints, pose.scores[:, None]], axis=1)
    result = {
        "image_id": image_id,
        "category_id": 1,
        "keypoints": [round(float(v), COORD_DECIMALS) for v in kps.ravel()],
        "score": round(pose.score * (pose.det_score if pose.det_score is not None else 1.0), 4),
        "bbox": [round(float(v), COORD_DECIMALS) for v in pose.box],
    }
    if pose.det_score is not None:
        result["det_score"] = round(pose.det_score, 4)
    if pose.track_id is not None:
        result["track_id"] = pose.track_id
    return {**result, **(extra or {})}


def predict(
    estimator,
    source: str | Path,
    out_dir: str | Path,
    coco: str | Path | None = None,
    draw: bool = True,
    on_progress: Callable[[int], None] | None = None,
    detector=None,
    track: dict | None = None,
) -> dict[str, Any]:
    """Run ``estimator`` (anything with ``predict(image_rgb, boxes)``) over ``source``.

    ``detector`` (a :class:`~edgepose.runtime.detectors.PersonDetector`) finds the people; on a
    video it drives :class:`~edgepose.runtime.tracking.DetectThenTrack` with ``track`` kwargs.
    Returns ``{"results": path, "images": n, "people": n, "drawn": [paths]}`` (+ ``"detector_calls"``
    for a tracked video).
    """
    src = Path(source)
    out = Path(out_dir)
    if not src.exists():
        raise EdgeposeError(f"input not found: {src}")
    if src.is_file() and src.suffix.lower() in VIDEO_SUFFIXES:
        if coco is not None:
            raise EdgeposeError("`coco` boxes apply to images, not to a video")
        return _predict_video(estimator, src, out, draw, on_progress, detector, track or {})
    boxes_by_file: dict[str, tuple[Any, list]] = {}
    if coco is not None:
        from .data.coco import load_coco
        from .evaluate import scored_people

        doc = load_coco(coco)
        people = scored_people(doc)
        for im in doc["images"]:
            boxes_by_file[im["file_name"]] = (im["id"], [a["bbox"] for a in people.get(im["id"], [])])
        if src.is_dir():
            files = [src / name for name in boxes_by_file]
        else:
            files = [src]
    elif src.is_dir():
        files = image_files(src)
    else:
        files = [src]
    results, drawn = [], []
    for path in files:
        rel = path.relative_to(src).as_posix() if src.is_dir() else path.name
        image_id, boxes = boxes_by_file.get(rel, (rel, None))
        if coco is not None and rel not in boxes_by_file:
            raise EdgeposeError(f"{rel} is not in {coco}")
        image = load_rgb(path)
        if detector is not None:
            from .runtime.tracking import detect_poses

            poses = detect_poses(estimator, detector, image)
        else:
            poses = estimator.predict(image, boxes) if boxes != [] else []
        results.extend(coco_result(image_id, p) for p in poses)
        if draw:
            canvas = image
            for p in poses:
                canvas = draw_pose(canvas, p.keypoints, p.scores)
            target = out / "images" / (Path(rel).with_suffix(".png"))
            png = encode_png(canvas)
            atomic_write(target, lambda t, data=png: t.write_bytes(data))
            drawn.append(str(target))
        if on_progress:
            on_progress(1)
    results_path = atomic_write_json(out / "results.json", results)
    return {"results": str(results_path), "images": len(files), "people": len(results), "drawn": drawn}


def _predict_video(estimator, src: Path, out: Path, draw: bool, on_progress, detector, track: dict) -> dict[str, Any]:
    cap = cv2.VideoCapture(str(src))
    if not cap.isOpened():
        raise EdgeposeError(f"cannot open video {src}")
    fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
    tracker = None
    if detector is not None:
        from .runtime.tracking import DetectThenTrack

        tracker = DetectThenTrack(estimator, detector, **track)
    results, writer, frame_index = [], None, 0
    target = out / f"{src.stem}_pose.mp4"
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f".{target.name}.tmp.mp4"
    try:
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            poses = tracker(rgb, frame_index / fps) if tracker is not None else estimator.predict(rgb, None)
            results.extend(coco_result(frame_index, p, {"frame": frame_index}) for p in poses)
            if draw:
                canvas = rgb
                for p in poses:
                    canvas = draw_pose(canvas, p.keypoints, p.scores)
                if writer is None:
                    h, w = canvas.shape[:2]
                    writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
                writer.write(cv2.cvtColor(canvas, cv2.COLOR_RGB2BGR))
            frame_index += 1
            if on_progress:
                on_progress(1)
    finally:
        cap.release()
        if writer is not None:
            writer.release()
    if frame_index == 0:
        raise EdgeposeError(f"{src} has no readable frames")
    if writer is not None:
        tmp.replace(target)
    results_path = atomic_write_json(out / "results.json", results)
    summary = {
        "results": str(results_path),
        "images": frame_index,
        "people": len(results),
        "drawn": [str(target)] if draw else [],
    }
    if tracker is not None:
        summary["detector_calls"] = tracker.stats["detector_calls"]
    return summary
