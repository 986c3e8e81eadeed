"""Person-detector accuracy and the float<->int8 detection gate.

Protocol (``../shared/peers/README.md``): pycocotools bbox evaluation on the person category
only, score >= 0.01, NMS 0.6, at most 100 boxes an image, crowd regions ignored.
"""

from __future__ import annotations

import contextlib
import io
import math
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..errors import EdgeposeError

DETECTION_MAX_AP_DROP = 0.03  # default gate: person AP lost from float to int8
EVAL_SCORE_THRESHOLD = 0.01
EVAL_IOU_THRESHOLD = 0.6
EVAL_MAX_BOXES = 100


def person_ap(
    detector_path: str | Path,
    annotations: str | Path,
    images: str | Path,
    threads: int = 1,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """``{"detector", "kind", "images", "AP", "AP50", "AR100", "median_ms", "threads"}`` of one
    detector file on a COCO annotation file (person boxes), the first ``limit`` images."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    from ..data.coco import load_coco
    from ..runtime.detectors import open_detector
    from ..transforms import load_rgb

    coco = load_coco(annotations)
    chosen = coco["images"][:limit] if limit else coco["images"]
    if not chosen:
        raise EdgeposeError(f"{annotations} has no images to score detections on")
    det = open_detector(
        detector_path, threads=threads, score_threshold=EVAL_SCORE_THRESHOLD, iou_threshold=EVAL_IOU_THRESHOLD,
        max_people=EVAL_MAX_BOXES,
    )  # fmt: skip
    results, times = [], []
    for i, im in enumerate(chosen):
        image = load_rgb(Path(images) / im["file_name"])
        t0 = time.perf_counter()
        dets = det.detect(image)
        times.append((time.perf_counter() - t0) * 1000)
        results += [{"image_id": im["id"], "category_id": 1, "bbox": d.box, "score": d.score} for d in dets]
        if progress:
            progress(i + 1, len(chosen))
    stats = [0.0] * 12
    if results:
        with contextlib.redirect_stdout(io.StringIO()):
            gt = COCO(str(annotations))
            ev = COCOeval(gt, gt.loadRes(results), iouType="bbox")
            ev.params.catIds = [1]
            ev.params.imgIds = [im["id"] for im in chosen]
            ev.evaluate()
            ev.accumulate()
            ev.summarize()
        stats = [float(v) for v in ev.stats]
    return {
        "detector": Path(detector_path).name, "kind": det.kind, "images": len(chosen), "AP": stats[0], "AP50": stats[1],
        "AR100": stats[8], "median_ms": float(np.median(times)), "threads": threads,
    }  # fmt: skip


def detection_gate(
    reference: str | Path,
    candidate: str | Path,
    annotations: str | Path,
    images: str | Path,
    max_ap_drop: float = DETECTION_MAX_AP_DROP,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Person AP of ``reference`` (the float detector) and ``candidate`` (its int8 conversion) on
    the same images; ``passed`` when the drop is at most ``max_ap_drop``."""
    if max_ap_drop is None or not math.isfinite(max_ap_drop) or max_ap_drop < 0:
        raise EdgeposeError(f"`max_ap_drop` is a non-negative AP difference, got {max_ap_drop}")
    ref = person_ap(reference, annotations, images, limit=limit, progress=progress)
    got = person_ap(candidate, annotations, images, limit=limit, progress=progress)
    drop = ref["AP"] - got["AP"]
    return {"reference": ref, "candidate": got, "ap_drop": drop, "max_ap_drop": max_ap_drop, "passed": bool(drop <= max_ap_drop)}


def detection_gate_markdown(report: dict[str, Any]) -> str:
    lines = [
        "| model | kind | person AP | AP50 | AR@100 |",
        "| --- | --- | --- | --- | --- |",
    ]
    for key in ("reference", "candidate"):
        r = report[key]
        lines.append(f"| {r['detector']} | {r['kind']} | {r['AP']:.3f} | {r['AP50']:.3f} | {r['AR100']:.3f} |")
    verdict = "PASSED" if report["passed"] else "FAILED"
    lines.append("")
    lines.append(
        f"detection gate: {verdict} (person AP drop {report['ap_drop']:+.4f}, limit {report['max_ap_drop']:.4f}, "
        f"{report['reference']['images']} images)"
    )
    return "\n".join(lines) + "\n"
