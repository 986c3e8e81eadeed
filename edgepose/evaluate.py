"""Keypoint evaluation: COCO AP/AR through pycocotools (no re-implementation of COCOeval), PCK.

``predict_coco`` runs a :class:`~edgepose.runtime.PoseEstimator` on every ground-truth person
box (the top-down protocol with ground-truth boxes); ``evaluate`` scores a results list or
file against the ground truth.

PCK@0.2 counts a labelled keypoint as correct when it lies within 0.2 x a reference length
of the truth: the longer side of the person's box (``PCK_bbox``) or the torso diameter, the
distance from the left shoulder to the right hip (``PCK_torso``, the LSP convention; people
without both joints are left out). PCKh@0.5 (``PCK_head``) uses 0.5 x the head size where one
is given (for LSP: neck to head top, see :func:`lsp_head_sizes`). Keypoints a dataset does not have (``available_keypoints``)
and unlabelled ones (v = 0) count for nothing. Predictions are matched to ground-truth people
by ``ann_id`` when every prediction carries one, otherwise greedily by OKS.
"""

from __future__ import annotations

import contextlib
import copy
import io
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .data.coco import available_mask, load_coco
from .errors import EdgeposeError
from .fsutil import read_json
from .keypoints import COCO_KEYPOINTS, KEYPOINT_INDEX, NUM_KEYPOINTS, OKS_SIGMAS, keypoint_oks
from .transforms import load_rgb

AP_NAMES = ("AP", "AP50", "AP75", "APM", "APL", "AR", "AR50", "AR75", "ARM", "ARL")


def scored_people(coco: dict) -> dict[Any, list[dict]]:
    by_image: dict[Any, list[dict]] = {}
    for ann in coco["annotations"]:
        kps = ann.get("keypoints")
        if ann.get("iscrowd", 0) or not isinstance(kps, list) or not any(v > 0 for v in kps[2::3]):
            continue
        by_image.setdefault(ann["image_id"], []).append(ann)
    return by_image


def predict_coco(
    estimator, annotations: str | Path | dict, images: str | Path, on_progress: Callable[[int], None] | None = None
) -> list[dict[str, Any]]:
    """COCO results (``image_id``, ``category_id``, ``keypoints`` [51], ``score``, ``ann_id``) for
    every non-crowd ground-truth person with at least one labelled keypoint."""
    coco = annotations if isinstance(annotations, dict) else load_coco(annotations)
    by_image = scored_people(coco)
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
                        "ann_id": ann["id"],
                    }
                )
        if on_progress:
            on_progress(1)
    return results


def _finite(v: Any) -> bool:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    try:
        return bool(np.isfinite(float(v)))
    except OverflowError:
        return False


def _prediction_problem(p: Any) -> str | None:
    """Why ``p`` is not a usable keypoint result, or None."""
    if not isinstance(p, dict):
        return "is not an object"
    if "image_id" not in p:
        return "has no image_id"
    kps = p.get("keypoints")
    if not isinstance(kps, list) or len(kps) != NUM_KEYPOINTS * 3:
        return f"has {len(kps) if isinstance(kps, list) else 'no'} keypoint values, expected 51"
    if not all(_finite(v) for v in kps):
        return "has keypoint values that are not finite numbers (NaN, inf or text)"
    if "score" not in p:
        return "has no score"
    if not _finite(p["score"]):
        return f"has a score that is not a finite number: {str(p['score'])[:20]}"
    return None


def _match(preds: list[dict], coco: dict) -> list[tuple[dict, dict | None]]:
    """(ground-truth person, its prediction or None) for every scored person."""
    by_image = scored_people(coco)
    pairs: list[tuple[dict, dict | None]] = []
    if preds and all("ann_id" in p for p in preds):
        by_ann = {p["ann_id"]: p for p in preds}
        return [(a, by_ann.get(a["id"])) for anns in by_image.values() for a in anns]
    preds_by_image: dict[Any, list[dict]] = {}
    for p in preds:
        preds_by_image.setdefault(p["image_id"], []).append(p)
    for image_id, anns in by_image.items():
        cands = sorted(preds_by_image.get(image_id, []), key=lambda p: -p.get("score", 0.0))
        taken: set[int] = set()
        for a in anns:
            best, best_oks = None, 0.0
            for j, p in enumerate(cands):
                if j in taken:
                    continue
                oks = _oks(np.asarray(p["keypoints"], float).reshape(-1, 3), a)
                if oks > best_oks:
                    best, best_oks = j, oks
            if best is not None:
                taken.add(best)
            pairs.append((a, cands[best] if best is not None else None))
    return pairs


def _oks(pred: np.ndarray, ann: dict) -> float:
    gt = np.asarray(ann["keypoints"], float).reshape(-1, 3)
    vis = gt[:, 2] > 0
    if not vis.any():
        return 0.0
    area = float(ann.get("area") or ann["bbox"][2] * ann["bbox"][3])
    d = np.linalg.norm(pred[:, :2] - gt[:, :2], axis=1)
    return float(keypoint_oks(d[vis], area, np.flatnonzero(vis)).mean())


PCK_KINDS = {"bbox": 0.2, "torso": 0.2, "head": 0.5}  # kind -> threshold (PCK@0.2, PCKh@0.5)


def pck(
    pairs: list[tuple[dict, dict | None]], images: dict[Any, dict], info: dict, head_sizes: dict[Any, float] | None = None
) -> dict[str, Any]:
    """PCK@0.2 (box, torso) and PCKh@0.5 (where ``head_sizes[ann_id]`` exists), overall and per keypoint;
    per keypoint also the bias: mean signed error ``(pred - gt) / sqrt(area)`` in x and y (image axes:
    ``bias_y < 0`` means placed too high), over labelled keypoints of matched people."""
    hits = {kind: np.zeros(NUM_KEYPOINTS) for kind in PCK_KINDS}
    counts = {kind: np.zeros(NUM_KEYPOINTS) for kind in PCK_KINDS}
    signed = np.zeros((NUM_KEYPOINTS, 2))  # sum of (pred - gt) / sqrt(area), x and y
    n_signed = np.zeros(NUM_KEYPOINTS)
    ls, rh = KEYPOINT_INDEX["left_shoulder"], KEYPOINT_INDEX["right_hip"]
    for ann, pred in pairs:
        gt = np.asarray(ann["keypoints"], float).reshape(NUM_KEYPOINTS, 3)
        valid = (gt[:, 2] > 0) & available_mask(images.get(ann["image_id"], {}), info)
        if pred is None:
            dist = np.full(NUM_KEYPOINTS, np.inf)
        else:
            p = np.asarray(pred["keypoints"], float).reshape(NUM_KEYPOINTS, 3)
            dist = np.linalg.norm(p[:, :2] - gt[:, :2], axis=1)
            scale = np.sqrt(float(ann.get("area") or ann["bbox"][2] * ann["bbox"][3]))
            if scale > 0:
                signed[valid] += (p[valid, :2] - gt[valid, :2]) / scale
                n_signed += valid
        norms = {"bbox": max(ann["bbox"][2], ann["bbox"][3])}
        if gt[ls, 2] > 0 and gt[rh, 2] > 0:
            norms["torso"] = float(np.linalg.norm(gt[ls, :2] - gt[rh, :2]))
        if head_sizes and ann["id"] in head_sizes:
            norms["head"] = float(head_sizes[ann["id"]])
        for kind, norm in norms.items():
            if norm <= 0:
                continue
            counts[kind] += valid
            hits[kind] += valid & (dist <= PCK_KINDS[kind] * norm)
    out: dict[str, Any] = {}
    per_kp: dict[str, dict[str, Any]] = {name: {"n": 0} for name in COCO_KEYPOINTS}
    for kind in PCK_KINDS:
        total = counts[kind].sum()
        if kind == "head" and not total:
            continue  # no head sizes: no PCKh
        out[f"PCK_{kind}"] = float(hits[kind].sum() / total) if total else float("nan")
        for k, name in enumerate(COCO_KEYPOINTS):
            c = counts[kind][k]
            per_kp[name][f"PCK_{kind}"] = float(hits[kind][k] / c) if c else None
            per_kp[name]["n"] = int(max(per_kp[name]["n"], c))
    for k, name in enumerate(COCO_KEYPOINTS):
        bias = signed[k] / n_signed[k] if n_signed[k] else (None, None)
        per_kp[name]["bias_x"], per_kp[name]["bias_y"] = (None, None) if bias[0] is None else (float(bias[0]), float(bias[1]))
    out["per_keypoint"] = per_kp
    return out


def lsp_head_sizes(joints_json: str | Path, annotations: str | Path) -> dict[Any, float]:
    """``{ann_id: neck-to-head-top distance}`` from LSP's ``joints.json`` (14 original joints),
    matched to a COCO-17 file of the same images by file name (one person per LSP image)."""
    from .data.coco import lsp_neck_head_top

    pairs = lsp_neck_head_top(joints_json, load_coco(annotations))
    return {ann_id: float(np.linalg.norm(neck - top)) for ann_id, (neck, top) in pairs.items()}


def evaluate(
    predictions: str | Path | list[dict[str, Any]], ground_truth: str | Path, head_sizes: dict[Any, float] | None = None
) -> dict[str, Any]:
    """COCO keypoint AP/AR (OKS, COCO sigmas), PCK@0.2 and, given ``head_sizes``, PCKh@0.5.

    Returns ``{"AP", "AP50", ..., "ARL", "PCK_bbox", "PCK_torso", ["PCK_head"], "people",
    "per_keypoint": {name: {...}}}``.
    """
    try:
        from pycocotools.cocoeval import COCOeval
    except ImportError:
        raise EdgeposeError("evaluation needs pycocotools: pip install 'edgepose[eval]'") from None
    gt_doc = load_coco(ground_truth)  # validation with clear messages
    preds = predictions if isinstance(predictions, list) else read_json(predictions, "predictions file")
    if not isinstance(preds, list):
        raise EdgeposeError("predictions must be a COCO keypoint results list (image_id, category_id, keypoints[51], score)")
    for i, p in enumerate(preds):
        problem = _prediction_problem(p)
        if problem:
            raise EdgeposeError(f"prediction {i} {problem}; a COCO keypoint result has image_id, keypoints[51] and score")
    if not preds:
        raise EdgeposeError("no predictions to evaluate (an empty results list)")
    other = [p.get("category_id") for p in preds if p.get("category_id", PERSON_ID) != PERSON_ID]
    if other:
        cats = sorted({str(c) for c in other})[:3]
        raise EdgeposeError(
            f"{len(other)} of {len(preds)} predictions have category_id {', '.join(cats)}; keypoint results are people: "
            f"category_id {PERSON_ID} (person)"
        )
    check_scorable(gt_doc, ground_truth)
    images = {im["id"]: im for im in gt_doc["images"]}
    unknown = {p.get("image_id") for p in preds} - set(images)
    if unknown:
        raise EdgeposeError(f"predictions refer to image ids not in the ground truth: {sorted(map(str, unknown))[:5]}")
    stats: dict[str, Any] = {name: 0.0 for name in AP_NAMES}
    if preds:
        with contextlib.redirect_stdout(io.StringIO()):
            gt = _coco_index(gt_doc)
            # keypoint results only: with a "bbox" key pycocotools would take the detection's area from the box
            dt = gt.loadRes([{k: v for k, v in p.items() if k not in ("ann_id", "bbox")} for p in preds])
            ev = COCOeval(gt, dt, iouType="keypoints")
            ev.params.kpt_oks_sigmas = OKS_SIGMAS
            ev.evaluate()
            ev.accumulate()
            ev.summarize()
        stats.update({name: float(max(v, 0.0)) for name, v in zip(AP_NAMES, ev.stats)})
    pairs = _match(preds, gt_doc)
    stats["people"] = len(pairs)
    stats.update(pck(pairs, images, gt_doc.get("info") or {}, head_sizes))
    if preds:
        for name, ap in per_keypoint_ap(preds, gt_doc).items():
            stats.setdefault("per_keypoint", {}).setdefault(name, {})["AP"] = ap
    return stats


PERSON_ID = 1  # the COCO person category: the only one keypoint results belong to


def _coco_index(doc: dict[str, Any]):
    """A pycocotools ``COCO`` of ``doc`` whose annotation ids are renumbered 1..N: pycocotools marks
    matches by annotation id and reads id 0 as "unmatched", so a file with an annotation id 0 (or
    ids that are strings) would otherwise score a perfect prediction below 1.0."""
    from pycocotools.coco import COCO

    dataset = {**doc, "annotations": [{**a, "id": i} for i, a in enumerate(doc["annotations"], start=1)]}
    gt = COCO()
    gt.dataset = dataset
    gt.createIndex()
    return gt


def check_scorable(gt_doc: dict[str, Any], where: str | Path) -> None:
    """Refuse ground truth that cannot be scored: no person with labelled keypoints, or labelled
    keypoints that all lie outside their images (coordinates not in image pixels), as train refuses it."""
    people = scored_people(gt_doc)
    if not people:
        raise EdgeposeError(f"{where}: no person with labelled keypoints to evaluate against")
    sizes = {im["id"]: (im.get("width"), im.get("height")) for im in gt_doc["images"]}
    inside = total = 0
    for image_id, anns in people.items():
        w, h = sizes.get(image_id, (None, None))
        if not isinstance(w, (int, float)) or not isinstance(h, (int, float)):
            return  # sizes unknown: nothing to check against
        for ann in anns:
            kps = np.asarray(ann["keypoints"], float).reshape(NUM_KEYPOINTS, 3)
            lab = kps[kps[:, 2] > 0]
            total += 1
            inside += bool(((lab[:, 0] >= 0) & (lab[:, 0] <= w) & (lab[:, 1] >= 0) & (lab[:, 1] <= h)).any())
    if total and not inside:
        raise EdgeposeError(
            f"{where}: every labelled keypoint of all {total} people lies outside its image; keypoints must be in image "
            "pixels (x, y from the top-left corner)"
        )


def per_keypoint_ap(predictions: list[dict[str, Any]], gt_doc: dict[str, Any]) -> dict[str, float | None]:
    """COCO keypoint AP of each keypoint alone: the ground truth keeps only keypoint ``k``
    (people without it are ignored, as COCOeval ignores people with no keypoints), so OKS is that
    keypoint's similarity under its own sigma. None where no person has it labelled. Predictions
    that carry ``ann_id`` (ground-truth boxes) count only for people who have keypoint ``k``."""
    from pycocotools.cocoeval import COCOeval

    by_ann = {a["id"]: a for a in gt_doc["annotations"]}
    owner: dict[int, Any] = {}  # prediction index -> the ground-truth person it belongs to
    if predictions and all(p.get("ann_id") in by_ann for p in predictions):
        owner = {i: p["ann_id"] for i, p in enumerate(predictions)}
    else:  # no ann_id: each prediction belongs to the person it matches best (full-pose OKS, as _match)
        index = {id(p): i for i, p in enumerate(predictions)}
        owner = {index[id(pred)]: ann["id"] for ann, pred in _match(list(predictions), gt_doc) if pred is not None}
    out: dict[str, float | None] = {}
    for k, name in enumerate(COCO_KEYPOINTS):
        # a prediction of a person without keypoint k takes no part (unmatched predictions stay: false positives)
        results = [
            {key: v for key, v in p.items() if key not in ("ann_id", "bbox")}
            for i, p in enumerate(predictions)
            if i not in owner or (by_ann[owner[i]].get("keypoints") or [0] * 51)[3 * k + 2] > 0
        ]
        if not results:
            out[name] = None
            continue
        doc = copy.deepcopy(gt_doc)
        labelled = 0
        for ann in doc["annotations"]:
            kps = np.asarray(ann.get("keypoints") or [0] * (NUM_KEYPOINTS * 3), float).reshape(NUM_KEYPOINTS, 3)
            keep = np.zeros_like(kps)
            keep[k] = kps[k]
            ann["keypoints"] = keep.ravel().tolist()
            ann["num_keypoints"] = int(keep[k, 2] > 0)
            labelled += int(keep[k, 2] > 0 and not ann.get("iscrowd", 0))
        if labelled == 0:
            out[name] = None
            continue
        with contextlib.redirect_stdout(io.StringIO()):
            gt = _coco_index(doc)
            ev = COCOeval(gt, gt.loadRes(results), iouType="keypoints")
            ev.params.kpt_oks_sigmas = OKS_SIGMAS
            ev.evaluate()
            ev.accumulate()
            ev.summarize()
        out[name] = float(max(ev.stats[0], 0.0))
    return out
