"""``edgepose data check``: a validation report of a COCO person-keypoints dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import cv2
import numpy as np

from ..errors import EdgeposeError
from ..fsutil import read_json
from ..keypoints import COCO_KEYPOINTS, NUM_KEYPOINTS
from ..transforms import decode_image
from .coco import available_mask, iter_problems, unsafe_file_name


def check_dataset(
    annotations: str | Path, images: str | Path, on_progress: Callable[[int], None] | None = None, max_listed: int = 50
) -> dict[str, Any]:
    """Every problem found (not just the first) plus statistics.

    Returns ``{"ok", "errors": [...], "warnings": [...], "images", "people", "keypoints": {name:
    {"labelled", "visible", "available_images"}}}``. Errors: structural problems, missing or
    undecodable images, images whose size differs from the JSON. Warnings: labelled keypoints
    outside their image, people without keypoints.
    """
    coco = read_json(annotations, "annotation file")
    errors = list(iter_problems(coco))
    warnings: list[str] = []
    report: dict[str, Any] = {"annotations": str(annotations), "images_dir": str(images)}
    if errors and (not isinstance(coco, dict) or not isinstance(coco.get("images"), list)):
        return {
            **report, "ok": False, "errors_total": len(errors), "warnings_total": 0, "errors": errors[:max_listed],
            "warnings": [], "images": 0, "people": 0, "keypoints": {},
        }  # fmt: skip
    info = coco.get("info") if isinstance(coco.get("info"), dict) else {}
    sizes: dict[Any, tuple[int, int]] = {}
    root = Path(images)
    for im in coco["images"]:
        if not isinstance(im, dict) or not isinstance(im.get("file_name"), str) or unsafe_file_name(im["file_name"]):
            continue  # reported by iter_problems; never read a file outside the images folder
        path = root / im["file_name"]
        if not path.is_file():
            errors.append(f"image {im.get('id')}: file missing: {path}")
        else:
            try:
                img = decode_image(path.read_bytes(), path, cv2.IMREAD_COLOR)  # upright, as every reader sees it
            except EdgeposeError as exc:
                img = None
                errors.append(f"image {im.get('id')}: {exc}")
            if img is not None:
                h, w = img.shape[:2]
                sizes[im.get("id")] = (w, h)
                if (im.get("width"), im.get("height")) != (w, h) and "width" in im:
                    errors.append(
                        f"image {im.get('id')}: {path.name} is {w}x{h} but the JSON says {im.get('width')}x{im.get('height')}"
                    )
        if on_progress:
            on_progress(1)
    images_by_id = {im.get("id"): im for im in coco["images"] if isinstance(im, dict)}
    labelled = np.zeros(NUM_KEYPOINTS, int)
    visible = np.zeros(NUM_KEYPOINTS, int)
    available = np.zeros(NUM_KEYPOINTS, int)
    people = 0
    for im in images_by_id.values():
        try:
            available += available_mask(im, info)
        except (TypeError, ValueError):
            pass  # malformed available_keypoints: already an error from iter_problems
    for ann in coco["annotations"]:
        if not isinstance(ann, dict) or not isinstance(ann.get("keypoints"), list) or len(ann["keypoints"]) != 51:
            continue
        try:
            kps = np.asarray(ann["keypoints"], float).reshape(NUM_KEYPOINTS, 3)
        except (TypeError, ValueError):
            continue
        if ann.get("iscrowd", 0):
            continue
        lab = kps[:, 2] > 0
        if not lab.any():
            warnings.append(f"annotation {ann.get('id')}: no labelled keypoints (ignored by training and COCO AP)")
            continue
        people += 1
        labelled += lab
        visible += kps[:, 2] == 2
        size = sizes.get(ann.get("image_id"))
        if size:
            w, h = size
            out = lab & ((kps[:, 0] < -0.5) | (kps[:, 1] < -0.5) | (kps[:, 0] > w - 0.5) | (kps[:, 1] > h - 0.5))
            if out.any():
                names = ", ".join(COCO_KEYPOINTS[i] for i in np.nonzero(out)[0])
                warnings.append(f"annotation {ann.get('id')}: labelled keypoints outside the {w}x{h} image: {names}")
    report.update(
        {
            "ok": not errors,
            "errors_total": len(errors),
            "warnings_total": len(warnings),
            "errors": errors[:max_listed],
            "warnings": warnings[:max_listed],
            "images": len(images_by_id),
            "people": people,
            "keypoints": {
                name: {"labelled": int(labelled[k]), "visible": int(visible[k]), "available_images": int(available[k])}
                for k, name in enumerate(COCO_KEYPOINTS)
            },
        }
    )
    return report


def check_markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# Dataset check: {report['annotations']}",
        "",
        f"**{'OK' if report['ok'] else 'PROBLEMS FOUND'}**: {report['images']} images, "
        f"{report['people']} people with keypoints, {report.get('errors_total', len(report['errors']))} errors, "
        f"{report.get('warnings_total', len(report['warnings']))} warnings.",
        "",
    ]
    for title, items in (("Errors", report["errors"]), ("Warnings", report["warnings"])):
        if items:
            lines += [f"## {title}", ""] + [f"- {m}" for m in items] + [""]
    if report.get("keypoints"):
        lines += ["| keypoint | labelled | visible (v=2) | images where the dataset has it |", "|---|---|---|---|"]
        for name, row in report["keypoints"].items():
            lines.append(f"| {name} | {row['labelled']} | {row['visible']} | {row['available_images']} |")
    return "\n".join(lines) + "\n"
