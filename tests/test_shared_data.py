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
        "lspet/person_keypoints_train.json",
        "lspet/person_keypoints_train_extra.json",
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


@needs_shared
def test_lsp_mapping_matches_the_shared_coco_conversion():
    """joints.json (14 LSP joints) through keypoints.to_coco17 == the shipped COCO-17 file."""
    import numpy as np

    from edgepose.data.coco import load_coco
    from edgepose.keypoints import to_coco17

    joints = json.loads((SHARED / "lspet/joints.json").read_text())["images"]
    coco = load_coco(SHARED / "lspet/person_keypoints_test.json")
    files = {im["id"]: im["file_name"] for im in coco["images"]}
    for ann in coco["annotations"][:200]:
        raw = np.asarray(joints[files[ann["image_id"]]]["joints"], float)
        raw[:, 2] = np.where(raw[:, 2] > 0, 2, 0)  # LSP: 1 = annotated -> COCO v = 2
        kps, available = to_coco17(raw, "lsp14")
        np.testing.assert_allclose(kps, np.asarray(ann["keypoints"], float).reshape(17, 3), atol=0.01)
        assert available.nonzero()[0].tolist() == coco["info"]["available_keypoints"]


@needs_shared
def test_pckh_on_lspet_ground_truth_is_one():
    pytest.importorskip("pycocotools")
    from edgepose.evaluate import evaluate, lsp_head_sizes

    ann = SHARED / "lspet/person_keypoints_test.json"
    heads = lsp_head_sizes(SHARED / "lspet/joints.json", ann)
    coco = json.loads(ann.read_text())
    preds = [
        {"image_id": a["image_id"], "category_id": 1, "keypoints": a["keypoints"], "score": 1.0, "ann_id": a["id"]}
        for a in coco["annotations"]
    ]
    stats = evaluate(preds, ann, head_sizes=heads)
    assert len(heads) > 700 and stats["PCK_head"] == pytest.approx(1.0)
    assert stats["per_keypoint"]["nose"]["n"] == 0  # LSP has no face points: nothing counted there
