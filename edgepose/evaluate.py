"""COCO keypoint evaluation through pycocotools (no re-implementation of COCOeval).

``predict_coco`` runs a :class:`~edgepose.runtime.PoseEstimator` on every ground-truth person
box (the top-down protocol with ground-truth boxes); ``evaluate`` scores a results list or
file against the ground truth.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .data.coco import load_coco
from .errors import EdgeposeError
from .fsutil import read_json
from .keypoints import OKS_SIGMAS
from .transforms import load_rgb

AP_NAMES = ("AP", "AP50", "AP75", "APM", "APL", "AR", "AR50", "AR75", "ARM", "ARL")


def predict_coco(
    estimator, annotations: str | Path | dict, images: str | Path, on_progress: Callable[[int], None] | None = None
) -> list[dict[str, Any]]:
    """COCO results (``image_id``, ``category_id``, ``keypoints`` [51], ``score``) for every
    non-crowd ground-truth person with at least one labelled keypoint."""
    coco = annotations if isinstance(annotations, dict) else load_coco(annotations)
    by_image: dict[int, list[dict]] = {}
    for ann in coco["annotations"]:
        if ann.get("iscrowd", 0) or ann.get("num_keypoints", 0) < 1:
            continue
        by_image.setdefault(ann["image_id"], []).append(ann)
    results = []
    for im in coco["images"]:
        anns = by_image.get(im["id"], [])
        if anns:
            image = load_rgb(Path(images) / im["file_name"])
            for ann, pose in zip(anns, estimator.predict(image, [a["bbox"] for a in anns])):
                kps = np.concatenate([pose.keypoints, pose.scores[:, None]], axis=1)
                results.append(
                    {
                        "image_id": im["id"],
                        "category_id": 1,
                        "keypoints": [round(float(v), 2) for v in kps.ravel()],
                        "score": pose.score,
                    }
                )
        if on_progress:
            on_progress(1)
    return results


def evaluate(predictions: str | Path | list[dict[str, Any]], ground_truth: str | Path) -> dict[str, float]:
    """COCO keypoint AP/AR (OKS with the COCO sigmas). Returns ``{"AP": ..., "AP50": ..., ...}``."""
    try:
        from pycocotools.coco import COCO
        from pycocotools.cocoeval import COCOeval
    except ImportError:
        raise EdgeposeError("evaluation needs pycocotools: pip install 'edgepose[eval]'") from None
    load_coco(ground_truth)  # validation with clear messages
    preds = predictions if isinstance(predictions, list) else read_json(predictions, "predictions file")
    if not isinstance(preds, list):
        raise EdgeposeError("predictions must be a COCO results list")
    if not preds:
        return {name: 0.0 for name in AP_NAMES}
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(str(ground_truth))
        try:
            dt = gt.loadRes(preds)
        except (AssertionError, KeyError, IndexError, TypeError) as exc:
            raise EdgeposeError(f"predictions do not match the ground truth: {exc!r}") from None
        ev = COCOeval(gt, dt, iouType="keypoints")
        ev.params.kpt_oks_sigmas = OKS_SIGMAS
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return {name: float(max(v, 0.0)) for name, v in zip(AP_NAMES, ev.stats)}
