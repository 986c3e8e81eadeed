"""Accuracy benchmark: one model on one COCO-format set, with ground-truth boxes (top-down
protocol) and, given a person detector, with detected boxes (the protocol of published COCO figures)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..data.coco import load_coco
from ..defaults import DETECTOR_SCORE_THRESHOLD, THREADS
from ..engine.model import model_size
from ..evaluate import evaluate, lsp_head_sizes, predict_coco, scored_people
from ..transforms import load_rgb


def predict_coco_detected(
    estimator, detector, coco: dict, images: str | Path, on_progress: Callable[[int], None] | None = None
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """COCO results for every person ``detector`` finds in every image (score = pose score x
    detector score), and the detector's recall at IoU 0.5 over the scored ground-truth people:
    ``roi`` for the detector's own boxes, ``keypoints`` for the boxes around the predicted
    keypoints (what a user gets)."""
    from ..predict import coco_result
    from ..runtime.detectors import box_iou
    from ..runtime.tracking import detect_poses

    people = scored_people(coco)
    results, hits_roi, hits_kp, total = [], 0, 0, 0
    for im in coco["images"]:
        poses = detect_poses(estimator, detector, load_rgb(Path(images) / im["file_name"]))
        results.extend(coco_result(im["id"], pose) for pose in poses)  # score = pose score x detector score
        gt = np.array([a["bbox"] for a in people.get(im["id"], [])]).reshape(-1, 4)
        total += len(gt)
        if len(gt) and poses:
            hits_roi += int((box_iou(gt, np.array([p.box for p in poses])).max(1) >= 0.5).sum())
            kp_boxes = [b for b in (p.keypoint_box() for p in poses) if b is not None]
            if kp_boxes:
                hits_kp += int((box_iou(gt, np.array(kp_boxes)).max(1) >= 0.5).sum())
        if on_progress:
            on_progress(1)
    recall = {"people": total, "roi": hits_roi / max(total, 1), "keypoints": hits_kp / max(total, 1)}
    return results, recall


def bench_accuracy(
    model: Any,
    annotations: str | Path,
    images: str | Path,
    lsp_joints: str | Path | None = None,
    threads: int = THREADS,
    flip_test: bool = False,
    on_progress: Callable[[int], None] | None = None,
    detector: str | Path | None = None,
    det_threshold: float | None = None,
    normalization: str | None = None,
    codec: str | None = None,
) -> dict[str, Any]:
    """COCO AP/AR, PCK@0.2 (box, torso), PCKh@0.5 with ``lsp_joints``, per keypoint, for ``model``
    (``.tflite``, ``.onnx``, OpenVINO ``.xml`` or ``.keras``; ``normalization``/``codec`` for a heatmap
    model whose file does not state them) on ground-truth boxes. Adds ``"model"``, ``"size_bytes"``, ``"data"``.

    With ``detector`` (a person detector ``.tflite``) it adds ``"detected"``: AP/AR with the
    detector's boxes and the detector's recall at IoU 0.5 (``on_progress`` then counts each
    image twice)."""
    from ..estimators import load_estimator

    estimator = load_estimator(model, threads=threads, normalization=normalization, codec=codec, flip_test=flip_test)
    coco = load_coco(annotations)
    results = predict_coco(estimator, coco, images, on_progress)
    heads = lsp_head_sizes(lsp_joints, annotations) if lsp_joints else None
    stats = evaluate(results, annotations, head_sizes=heads)
    path = Path(model) if isinstance(model, (str, Path)) else None
    out = {
        **stats,
        "model": str(path) if path else "keras model",
        "size_bytes": model_size(path) if path else None,
        "data": str(annotations),
        "flip_test": flip_test,
    }
    if detector is not None:
        from ..runtime.detectors import open_detector

        det_threshold = DETECTOR_SCORE_THRESHOLD if det_threshold is None else det_threshold
        det = open_detector(detector, threads=threads, score_threshold=det_threshold)
        det_results, recall = predict_coco_detected(estimator, det, coco, images, on_progress)
        det_stats = evaluate(det_results, annotations) if det_results else {"AP": 0.0, "AR": 0.0}
        out["detected"] = {"detector": str(detector), "threshold": det_threshold, "recall_iou50": recall, **det_stats}
    return out
