"""Teacher pseudo-labels for keypoints a dataset lacks (e.g. LSPET's face points).

Teachers are any COCO-17 pose models the runtime runs (MoveNet, BlazePose, edgepose ...), each
applied top-down to every person's box. A keypoint is filled only where

1. the dataset lacks it (not in the image's ``available_keypoints``); human labels are never
   overwritten;
2. every teacher's score is at least ``min_score``;
3. the teachers agree: each lies within ``agree`` x the box size (sqrt of w*h) of their mean
   (with one teacher this check cannot run and is skipped);
4. it is consistent with the labelled joints: face points lie in the head region, given as
   ``head_regions[ann_id] = (centre_xy, radius)`` (LSP's neck/head-top) or, without one, within
   1.5 shoulder widths of the labelled shoulders' midpoint.

The position is the teachers' mean. Each filled annotation lists its filled indices in
``pseudo_keypoints`` (training gives them ``--pseudo-weight``), and the file's
``info.available_keypoints`` grows by the filled indices. numpy + runtime only.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ..defaults import THREADS
from ..errors import EdgeposeError
from ..keypoints import FACE, KEYPOINT_INDEX, NUM_KEYPOINTS
from ..transforms import load_rgb
from .coco import available_mask

L_SHOULDER, R_SHOULDER = KEYPOINT_INDEX["left_shoulder"], KEYPOINT_INDEX["right_shoulder"]


def teacher_predictions(
    teachers: Sequence[Any], coco: dict, images: str | Path, on_progress: Callable[[int], None] | None = None
) -> dict[Any, np.ndarray]:
    """``{ann_id: float [T, 17, 3]}`` (x, y, score per teacher) for every non-crowd person with a box."""
    by_image: dict[Any, list[dict]] = {}
    for ann in coco["annotations"]:
        if not ann.get("iscrowd", 0) and isinstance(ann.get("bbox"), list) and ann["bbox"][2] >= 1 and ann["bbox"][3] >= 1:
            by_image.setdefault(ann["image_id"], []).append(ann)
    out: dict[Any, np.ndarray] = {}
    for im in coco["images"]:
        anns = by_image.get(im["id"], [])
        if anns:
            image = load_rgb(Path(images) / im["file_name"])
            boxes = [a["bbox"] for a in anns]
            per_teacher = [t.predict(image, boxes) for t in teachers]
            for i, ann in enumerate(anns):
                out[ann["id"]] = np.stack(
                    [np.concatenate([poses[i].keypoints, poses[i].scores[:, None]], axis=1) for poses in per_teacher]
                )
        if on_progress:
            on_progress(1)
    return out


def _consistent(point: np.ndarray, k: int, kps: np.ndarray, head: tuple[np.ndarray, float] | None) -> bool:
    if k not in FACE:
        return True
    if head is not None:
        centre, radius = head
        return float(np.linalg.norm(point - centre)) <= radius
    if kps[L_SHOULDER, 2] > 0 and kps[R_SHOULDER, 2] > 0:
        mid = (kps[L_SHOULDER, :2] + kps[R_SHOULDER, :2]) / 2
        width = max(float(np.linalg.norm(kps[L_SHOULDER, :2] - kps[R_SHOULDER, :2])), 1.0)
        return float(np.linalg.norm(point - mid)) <= 1.5 * width
    return True


def fill_keypoints(
    coco: dict,
    predictions: dict[Any, np.ndarray],
    fill: Sequence[int] | None = None,
    min_score: float = 0.3,
    agree: float = 0.1,
    head_regions: dict[Any, tuple[np.ndarray, float]] | None = None,
    position: str = "mean",
) -> tuple[dict, dict[str, Any]]:
    """A copy of ``coco`` with pseudo-labels (module doc), and counts ``{"people", "filled",
    "per_keypoint": {k: n}, "rejected": {"score", "agree", "consistency"}}``.

    ``fill``: the keypoint indices to consider (default: every index some image lacks).
    ``position``: ``"mean"`` of the teachers, or ``"first"`` (the first teacher's point; the
    others only vote)."""
    if position not in ("mean", "first"):
        raise EdgeposeError(f"position must be 'mean' or 'first', got '{position}'")
    out = copy.deepcopy(coco)
    images = {im["id"]: im for im in out["images"]}
    info = out.get("info") if isinstance(out.get("info"), dict) else {}
    counts = {"people": 0, "filled": 0, "per_keypoint": {}, "rejected": {"score": 0, "agree": 0, "consistency": 0}}
    filled_any: set[int] = set()
    for ann in out["annotations"]:
        pred = predictions.get(ann["id"])
        if pred is None or not isinstance(ann.get("keypoints"), list):
            continue
        counts["people"] += 1
        kps = np.asarray(ann["keypoints"], np.float64).reshape(NUM_KEYPOINTS, 3)
        lacking = ~available_mask(images[ann["image_id"]], info)
        todo = [k for k in (fill if fill is not None else range(NUM_KEYPOINTS)) if lacking[k] and kps[k, 2] == 0]
        x, y, w, h = ann["bbox"]
        size = float(np.sqrt(max(w * h, 1.0)))
        head = (head_regions or {}).get(ann["id"])
        filled = []
        for k in todo:
            pts, scores = pred[:, k, :2], pred[:, k, 2]
            if scores.min() < min_score:
                counts["rejected"]["score"] += 1
                continue
            mean = pts[0] if position == "first" else pts.mean(0)
            if len(pts) > 1 and np.linalg.norm(pts - mean, axis=1).max() > agree * size:
                counts["rejected"]["agree"] += 1
                continue
            if not _consistent(mean, k, kps, head):
                counts["rejected"]["consistency"] += 1
                continue
            kps[k] = (round(float(mean[0]), 2), round(float(mean[1]), 2), 2)
            filled.append(k)
            counts["per_keypoint"][k] = counts["per_keypoint"].get(k, 0) + 1
        if filled:
            ann["keypoints"] = [float(v) for v in kps.ravel()]
            ann["num_keypoints"] = int((kps[:, 2] > 0).sum())
            ann["pseudo_keypoints"] = sorted(set(ann.get("pseudo_keypoints", [])) | set(filled))
            counts["filled"] += len(filled)
            filled_any |= set(filled)
    if filled_any:
        for im in out["images"]:
            if im.get("available_keypoints") is not None:
                im["available_keypoints"] = sorted(set(im["available_keypoints"]) | filled_any)
        if info.get("available_keypoints") is not None:
            info["available_keypoints"] = sorted(set(info["available_keypoints"]) | filled_any)
            info["pseudo_keypoints_note"] = (
                "annotations[].pseudo_keypoints were filled by teacher models (edgepose data pseudo-label), not by people"
            )
    return out, counts


def lsp_head_regions(joints_json: str | Path, coco: dict, scale: float = 0.9) -> dict[Any, tuple[np.ndarray, float]]:
    """``{ann_id: (centre, radius)}`` from LSP's neck and head-top joints: centre = their
    midpoint, radius = ``scale`` x their distance (one person per LSP image, matched by file name)."""
    from .coco import lsp_neck_head_top

    pairs = lsp_neck_head_top(joints_json, coco)
    return {ann_id: ((neck + top) / 2, scale * float(np.linalg.norm(neck - top))) for ann_id, (neck, top) in pairs.items()}


def pseudo_label(
    annotations: str | Path,
    images: str | Path,
    teachers: Sequence[str | Path],
    min_score: float = 0.3,
    agree: float = 0.1,
    lsp_joints: str | Path | None = None,
    threads: int = THREADS,
    on_progress: Callable[[int], None] | None = None,
    position: str = "first",
) -> tuple[dict, dict[str, Any]]:
    """``edgepose data pseudo-label``: load, run the teachers, fill (module doc)."""
    from ..runtime.peers import open_pose_model
    from .coco import load_coco

    if not teachers:
        raise EdgeposeError("give at least one teacher model (`teachers`)")
    if not 0.0 <= min_score <= 1.0 or agree <= 0:
        raise EdgeposeError(f"`min_score` must be in [0, 1] and `agree` > 0, got {min_score} and {agree}")
    models = [open_pose_model(t, threads=threads) for t in teachers]
    coco = load_coco(annotations)
    preds = teacher_predictions(models, coco, images, on_progress)
    heads = lsp_head_regions(lsp_joints, coco) if lsp_joints else None
    return fill_keypoints(coco, preds, min_score=min_score, agree=agree, head_regions=heads, position=position)
