"""Checks against the real photographs in ../shared/data (skipped on a fresh clone without it)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("EDGEPOSE_SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))
needs_shared = pytest.mark.skipif(
    not (SHARED / "coco_val/person_keypoints.json").is_file(),
    reason=f"real data not found at {SHARED} (set EDGEPOSE_SHARED_DATA to its folder)",
)


@needs_shared
@pytest.mark.parametrize(
    "ann",
    [
        "coco_val/person_keypoints.json",
        "coco_train/person_keypoints.json",
        "lspet/person_keypoints_test.json",
        "misc/person_keypoints.json",
    ],
)
def test_shared_sets_load_and_flatten(ann):
    from edgepose.data.coco import load_coco, person_records

    coco = load_coco(SHARED / ann)
    people = person_records(coco, SHARED / Path(ann).parent / "images")
    assert people and all(p["file"].is_file() for p in people[:20])


@needs_shared
def test_ground_truth_scores_ap_one_on_coco_val():
    pytest.importorskip("pycocotools")
    from edgepose.evaluate import evaluate

    path = SHARED / "coco_val/person_keypoints.json"
    coco = json.loads(path.read_text())
    preds = [
        {"image_id": a["image_id"], "category_id": 1, "keypoints": a["keypoints"], "score": 1.0}
        for a in coco["annotations"]
        if not a.get("iscrowd", 0) and a.get("num_keypoints", 0) > 0
    ]
    stats = evaluate(preds, path)
    assert stats["AP"] == pytest.approx(1.0) and stats["AP50"] == pytest.approx(1.0)
