"""COCO person-keypoint files: build, write, read with validation, and flatten to people.

A "person record" is the plain object the rest of edgepose consumes:
``{"image_id", "file": Path, "bbox": [x, y, w, h], "keypoints": float [17, 3], "ann_id"}``.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import EdgeposeError
from ..fsutil import atomic_write_json, read_json
from ..keypoints import NUM_KEYPOINTS, PERSON_CATEGORY


def new_coco(description: str, extra_info: dict[str, Any] | None = None) -> dict[str, Any]:
    info = {"description": description, "date_created": _dt.date.today().isoformat(), "version": "1.0"}
    info["available_keypoints"] = list(range(NUM_KEYPOINTS))
    info.update(extra_info or {})
    return {"info": info, "licenses": [], "images": [], "annotations": [], "categories": [dict(PERSON_CATEGORY)]}


def write_coco(path: str | Path, coco: dict[str, Any]) -> Path:
    return atomic_write_json(path, coco)


def load_coco(path: str | Path) -> dict[str, Any]:
    """Load and validate a COCO person-keypoints file; problems raise EdgeposeError naming them."""
    coco = read_json(path, "annotation file")
    if not isinstance(coco, dict) or not isinstance(coco.get("images"), list) or not isinstance(coco.get("annotations"), list):
        raise EdgeposeError(f"{path}: not a COCO annotation file (needs 'images' and 'annotations' lists)")
    image_ids = set()
    for im in coco["images"]:
        if "id" not in im or "file_name" not in im:
            raise EdgeposeError(f"{path}: image entry without 'id' or 'file_name': {str(im)[:80]}")
        if im["id"] in image_ids:
            raise EdgeposeError(f"{path}: duplicate image id {im['id']}")
        image_ids.add(im["id"])
    ann_ids = set()
    for ann in coco["annotations"]:
        aid = ann.get("id")
        if aid in ann_ids:
            raise EdgeposeError(f"{path}: duplicate annotation id {aid}")
        ann_ids.add(aid)
        if ann.get("image_id") not in image_ids:
            raise EdgeposeError(f"{path}: annotation {aid} refers to unknown image id {ann.get('image_id')}")
        kps = ann.get("keypoints")
        if kps is not None:
            if len(kps) != NUM_KEYPOINTS * 3:
                raise EdgeposeError(
                    f"{path}: annotation {aid} has {len(kps)} keypoint values, expected {NUM_KEYPOINTS * 3} (17 x 3)"
                )
            vis = kps[2::3]
            if any(v not in (0, 1, 2) for v in vis):
                raise EdgeposeError(f"{path}: annotation {aid} has visibility flags outside {{0, 1, 2}}")
    return coco


def person_records(coco: dict[str, Any], images_dir: str | Path, min_keypoints: int = 1) -> list[dict[str, Any]]:
    """People with at least ``min_keypoints`` labelled keypoints, not crowd, with a usable box."""
    images = {im["id"]: im for im in coco["images"]}
    root = Path(images_dir)
    out = []
    for ann in coco["annotations"]:
        if ann.get("iscrowd", 0) or "keypoints" not in ann:
            continue
        kps = np.asarray(ann["keypoints"], dtype=np.float64).reshape(NUM_KEYPOINTS, 3)
        if (kps[:, 2] > 0).sum() < min_keypoints:
            continue
        x, y, w, h = ann["bbox"]
        if w < 1 or h < 1:
            continue
        out.append(
            {
                "image_id": ann["image_id"],
                "ann_id": ann["id"],
                "file": root / images[ann["image_id"]]["file_name"],
                "bbox": [float(x), float(y), float(w), float(h)],
                "keypoints": kps,
            }
        )
    return out
