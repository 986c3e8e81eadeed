"""Accuracy gate: a quantized model against its float reference on a validation set.

Both models go through the runtime's crop and decode (:class:`~edgepose.runtime.PoseEstimator`)
on ground-truth boxes; the report puts COCO AP, PCK and the mean keypoint error (vs. the
ground truth) side by side, adds the float-to-quantized keypoint shift, and checks how many
int8 levels the heatmap peaks actually use.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..data.coco import load_coco
from ..errors import EdgeposeError
from ..estimators import load_estimator
from ..evaluate import evaluate, predict_coco, scored_people
from ..keypoints import COCO_KEYPOINTS
from ..runtime.estimator import PoseEstimator
from ..transforms import crop_person, load_rgb

MIN_PEAK_LEVELS = 24  # fewer quantization steps than this under a typical heatmap peak: DARK and scores degrade


def keypoint_errors(results: list[dict], coco: dict) -> dict[str, float]:
    """Mean distance (image px, and as a share of the box's longer side) from each labelled
    ground-truth keypoint to its prediction; predictions are matched by ``ann_id``."""
    by_ann = {r["ann_id"]: np.asarray(r["keypoints"], float).reshape(-1, 3)[:, :2] for r in results}
    px, rel = [], []
    for anns in scored_people(coco).values():
        for ann in anns:
            if ann["id"] not in by_ann:
                continue
            gt = np.asarray(ann["keypoints"], float).reshape(-1, 3)
            labelled = gt[:, 2] > 0
            d = np.linalg.norm(by_ann[ann["id"]][labelled] - gt[labelled, :2], axis=1)
            px.extend(d)
            rel.extend(d / max(ann["bbox"][2], ann["bbox"][3], 1.0))
    return {"mean_px": float(np.mean(px)) if px else float("nan"), "mean_box_share": float(np.mean(rel)) if rel else float("nan")}


def output_levels(estimator: PoseEstimator, crops: np.ndarray) -> dict[str, Any] | None:
    """For an integer-output model: how many quantization steps lie under the heatmap peaks.

    Returns ``None`` for float outputs, else ``{"scale", "zero_point", "peak_levels_median",
    "peak_levels_p10", "distinct_levels", "collapsed"}`` where a peak's levels are
    ``(max raw value - zero point)`` per keypoint channel.
    """
    scale, zero = estimator.contract.output_quant
    if not scale:
        return None
    peaks, distinct = [], set()
    for crop in crops:
        raw = estimator.raw_heatmaps(crop).astype(np.int32)
        distinct.update(np.unique(raw).tolist())
        peaks.extend((raw.reshape(-1, raw.shape[-1]).max(0) - zero).tolist())
    median = float(np.median(peaks))
    return {
        "scale": float(scale),
        "zero_point": int(zero),
        "peak_levels_median": median,
        "peak_levels_p10": float(np.percentile(peaks, 10)),
        "distinct_levels": len(distinct),
        "collapsed": median < MIN_PEAK_LEVELS,
    }


MAX_AP_DROP_LIMIT = 1.0  # AP lies in [0, 1]: a larger allowed drop can never fail


def check_max_ap_drop(max_ap_drop: float | None) -> None:
    """``max_ap_drop`` must be None or a number in [0, 1]: NaN would let every gate pass, a negative
    value would make every gate fail."""
    if max_ap_drop is None:
        return
    if not math.isfinite(max_ap_drop) or not 0.0 <= max_ap_drop <= MAX_AP_DROP_LIMIT:
        raise EdgeposeError(
            f"`max_ap_drop` must be a number from 0 to {MAX_AP_DROP_LIMIT:g} (an AP difference), got {max_ap_drop}"
        )


def check_gate_arguments(
    val: object, val_images: object, max_ap_drop: float | None, drop_needs_val: bool = True
) -> None:
    """The gate's arguments, checked before any conversion: ``val`` and ``val_images`` come as a pair,
    ``max_ap_drop`` is a valid AP difference and (where ``drop_needs_val``) has a validation set to judge."""
    if (val is None) != (val_images is None):
        raise EdgeposeError("`val` and `val_images` go together")
    if drop_needs_val and max_ap_drop is not None and val is None:
        raise EdgeposeError("`max_ap_drop` needs a validation set (`val` ANN.json and `val_images` DIR)")
    check_max_ap_drop(max_ap_drop)


def accuracy_gate(
    reference: Any,
    candidate: Any,
    annotations: str | Path,
    images: str | Path,
    max_ap_drop: float | None = None,
    threads: int = 1,
    on_progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Score ``reference`` (float: ``.keras``, Keras model, ``.tflite``, ``.onnx`` or an opened
    estimator) and ``candidate`` (``.tflite``) on ``annotations`` with ground-truth boxes.

    Returns ``{"reference": {...}, "candidate": {...}, "ap_drop", "keypoint_shift_px",
    "output_levels", "passed", "reasons", "max_ap_drop"}``; ``passed`` is False, with one line per
    reason in ``reasons``, when the AP drop exceeds ``max_ap_drop`` or the candidate's heatmap peaks
    collapse to a few int8 levels.
    ``on_progress`` gets one call per image per model.
    """
    check_max_ap_drop(max_ap_drop)
    coco = load_coco(annotations)
    if not scored_people(coco):
        raise EdgeposeError(f"{annotations}: no people with labelled keypoints to compare the models on")
    side: dict[str, Any] = {}
    results: dict[str, list[dict]] = {}
    estimators = {}
    for role, model in (("reference", reference), ("candidate", candidate)):
        est = estimators[role] = load_estimator(model, threads=threads)
        results[role] = predict_coco(est, coco, images, on_progress)
        stats = evaluate(results[role], annotations)
        side[role] = {
            "model": str(model) if isinstance(model, (str, Path)) else str(getattr(model, "path", "keras model")),
            **{k: stats[k] for k in ("AP", "AP50", "AP75", "AR", "PCK_bbox")},
            "keypoint_error": keypoint_errors(results[role], coco),
            "per_keypoint_pck": {name: stats["per_keypoint"][name]["PCK_bbox"] for name in COCO_KEYPOINTS},
        }
    ref_kp = {r["ann_id"]: np.asarray(r["keypoints"]).reshape(-1, 3)[:, :2] for r in results["reference"]}
    shifts = [np.linalg.norm(np.asarray(r["keypoints"]).reshape(-1, 3)[:, :2] - ref_kp[r["ann_id"]], axis=1).mean()
              for r in results["candidate"] if r["ann_id"] in ref_kp]  # fmt: skip
    files = {im["id"]: im["file_name"] for im in coco["images"]}
    people = [a for anns in scored_people(coco).values() for a in anns][:64]
    input_size = estimators["candidate"].contract.input_size
    crops = np.stack([crop_person(load_rgb(Path(images) / files[a["image_id"]]), a["bbox"], input_size)[0] for a in people])
    levels = output_levels(estimators["candidate"], crops)
    drop = side["reference"]["AP"] - side["candidate"]["AP"]
    reasons = []
    if max_ap_drop is not None and drop > max_ap_drop + 1e-9:
        reasons.append(f"AP drop {drop:.4f} > `max_ap_drop` {max_ap_drop}")
    if levels and levels["collapsed"]:
        reasons.append("heatmap peaks use too few int8 levels")
    return {
        **side,
        "ap_drop": float(drop),
        "keypoint_shift_px": float(np.mean(shifts)) if shifts else float("nan"),
        "output_levels": levels,
        "max_ap_drop": max_ap_drop,
        "passed": not reasons,
        "reasons": reasons,
        "people": len(results["candidate"]),
    }


def gate_markdown(report: dict[str, Any]) -> str:
    """The gate as a side-by-side Markdown table."""
    r, c = report["reference"], report["candidate"]
    rows = [
        "| | reference | candidate |",
        "| --- | --- | --- |",
        f"| model | {Path(r['model']).name} | {Path(c['model']).name} |",
    ]
    for key in ("AP", "AP50", "AP75", "AR", "PCK_bbox"):
        rows.append(f"| {key} | {r[key]:.3f} | {c[key]:.3f} |")
    rows.append(f"| mean keypoint error (px) | {r['keypoint_error']['mean_px']:.2f} | {c['keypoint_error']['mean_px']:.2f} |")
    lines = ["\n".join(rows), ""]
    allowed = report["max_ap_drop"] if report["max_ap_drop"] is not None else "any"
    lines.append(f"AP drop: {report['ap_drop']:+.4f} (allowed: {allowed})")
    shift, people = report["keypoint_shift_px"], report["people"]
    lines.append(f"mean keypoint shift reference -> candidate: {shift:.2f} px over {people} people")
    lv = report["output_levels"]
    if lv:
        state = "COLLAPSED" if lv["collapsed"] else "ok"
        lines.append(
            f"heatmap output: scale {lv['scale']:.3g}, peaks span {lv['peak_levels_median']:.0f} int8 levels (median; "
            f"p10 {lv['peak_levels_p10']:.0f}), {lv['distinct_levels']} distinct levels used: {state}"
        )
    lines.append("gate: " + ("PASSED" if report["passed"] else "FAILED"))
    return "\n".join(lines) + "\n"
