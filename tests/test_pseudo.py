"""Teacher pseudo-labels, their loss weight, and copy-paste datasets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from edgepose.data.coco import load_coco, new_coco, write_coco
from edgepose.data.pseudo import FACE, fill_keypoints
from edgepose.data.sources import DatasetSource, load_sources
from edgepose.keypoints import KEYPOINT_INDEX as KI

REPO = Path(__file__).resolve().parents[1]
PEERS = Path(os.environ.get("EDGEPOSE_SHARED_PEERS", REPO.parent / "shared" / "peers"))


def _body_only_coco() -> dict:
    """One person with shoulders at (40, 50) and (60, 50), no face (LSPET-like availability)."""
    doc = new_coco("test", {"available_keypoints": list(range(5, 17))})
    kps = np.zeros((17, 3))
    kps[KI["left_shoulder"]] = (60, 50, 2)
    kps[KI["right_shoulder"]] = (40, 50, 2)
    kps[KI["left_hip"]] = (58, 90, 2)
    doc["images"] = [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 120}]
    doc["annotations"] = [
        {"id": 7, "image_id": 1, "category_id": 1, "keypoints": kps.ravel().tolist(), "num_keypoints": 3,
         "bbox": [20, 10, 60, 100], "area": 3000, "iscrowd": 0}
    ]  # fmt: skip
    return doc


def _teachers(first_nose, second_nose, score=0.9) -> np.ndarray:
    pred = np.zeros((2, 17, 3))
    pred[:, :, 2] = score
    pred[:, :, :2] = (50, 30)  # all points near the head
    pred[0, KI["nose"], :2] = first_nose
    pred[1, KI["nose"], :2] = second_nose
    pred[:, KI["left_shoulder"], :2] = (0, 0)  # a teacher's guess at a labelled joint must be ignored
    return pred


def test_agreeing_teachers_fill_the_face_and_never_touch_human_labels():
    doc = _body_only_coco()
    out, counts = fill_keypoints(doc, {7: _teachers((50, 30), (52, 31))}, position="first")
    kps = np.asarray(out["annotations"][0]["keypoints"]).reshape(17, 3)
    np.testing.assert_allclose(kps[KI["nose"]], (50, 30, 2))
    np.testing.assert_allclose(kps[KI["left_shoulder"]], (60, 50, 2))  # the human label stays
    assert out["annotations"][0]["pseudo_keypoints"] == sorted(FACE)
    assert counts["filled"] == 5 and set(out["info"]["available_keypoints"]) == set(range(17))
    assert doc["annotations"][0]["keypoints"][0] == 0  # the input is not modified
    mean, _ = fill_keypoints(doc, {7: _teachers((50, 30), (52, 31))}, position="mean")
    np.testing.assert_allclose(np.asarray(mean["annotations"][0]["keypoints"]).reshape(17, 3)[KI["nose"]], (51, 30.5, 2))


def test_disagreement_low_score_and_inconsistency_are_rejected():
    doc = _body_only_coco()  # box size sqrt(60*100) = 77: agreement 0.1 -> 7.7 px from the mean
    _, far = fill_keypoints(doc, {7: _teachers((50, 30), (70, 30))})
    assert far["rejected"]["agree"] == 1 and KI["nose"] not in far["per_keypoint"]
    _, weak = fill_keypoints(doc, {7: _teachers((50, 30), (50, 30), score=0.2)})
    assert weak["filled"] == 0 and weak["rejected"]["score"] == 5
    _, off = fill_keypoints(doc, {7: _teachers((50, 115), (50, 115))})  # a 'nose' 65 px below the shoulders
    assert off["rejected"]["consistency"] == 1
    head = {7: (np.array([50.0, 30.0]), 5.0)}  # an LSP head region excludes a nose 8 px away
    _, outside = fill_keypoints(doc, {7: _teachers((58, 30), (58, 30))}, head_regions=head)
    assert outside["rejected"]["consistency"] == 1


def test_pseudo_keypoints_get_their_own_loss_weight(tmp_path):
    from edgepose.codec import GaussianHeatmapCodec
    from edgepose.data.samples import Augment, make_sample

    out, _ = fill_keypoints(_body_only_coco(), {7: _teachers((50, 30), (51, 30))})
    path = write_coco(tmp_path / "p.json", out)
    cv2.imwrite(str(tmp_path / "a.jpg"), np.zeros((120, 100, 3), np.uint8))
    (record,) = load_sources([DatasetSource(path, tmp_path)], pseudo_weight=0.25)[0]
    np.testing.assert_allclose(record["weight_scale"][list(FACE)], 0.25)
    codec = GaussianHeatmapCodec((48, 64), (12, 16), sigma=2.0)
    no_aug = Augment.none()
    _, _, w = make_sample(np.zeros((120, 100, 3), np.uint8), record, codec, np.random.default_rng(0), no_aug)
    assert w[KI["nose"]] == pytest.approx(0.25) and w[KI["left_shoulder"]] == pytest.approx(1.0)
    assert w[KI["left_knee"]] == 0  # unlabelled stays 0


def _pasteable_coco(tmp_path: Path) -> tuple[Path, Path]:
    """One 'person' (a filled rectangle with a polygon) with 17 keypoints inside it."""
    images = tmp_path / "src"
    images.mkdir()
    img = np.full((200, 160, 3), 40, np.uint8)
    img[40:180, 50:110] = (200, 120, 60)  # BGR on disk: blue
    cv2.imwrite(str(images / "p.jpg"), img)
    rng = np.random.default_rng(0)
    kps = np.concatenate([rng.uniform((55, 45), (105, 175), (17, 2)), np.full((17, 1), 2)], axis=1)
    doc = new_coco("paste")
    doc["images"] = [{"id": 1, "file_name": "p.jpg", "width": 160, "height": 200}]
    doc["annotations"] = [
        {"id": 1, "image_id": 1, "category_id": 1, "keypoints": kps.ravel().tolist(), "num_keypoints": 17,
         "bbox": [50, 40, 60, 140], "area": 8400, "iscrowd": 0, "segmentation": [[50, 40, 110, 40, 110, 180, 50, 180]]}
    ]  # fmt: skip
    return write_coco(tmp_path / "src.json", doc), images


def test_copy_paste_writes_a_valid_deterministic_dataset_with_keypoints_on_the_pasted_people(tmp_path):
    from edgepose.data.copy_paste import write_copy_paste

    ann, images = _pasteable_coco(tmp_path)
    a = write_copy_paste(ann, images, tmp_path / "a", n=6, seed=2)
    b = write_copy_paste(ann, images, tmp_path / "b", n=6, seed=2)
    assert a.read_bytes() == b.read_bytes()
    doc = load_coco(a)
    assert len(doc["images"]) == 6 and len(doc["annotations"]) >= 6
    for person in doc["annotations"]:
        im = next(i for i in doc["images"] if i["id"] == person["image_id"])
        pic = cv2.imread(str(tmp_path / "a" / "images" / im["file_name"]))[:, :, ::-1]
        kps = np.asarray(person["keypoints"]).reshape(17, 3)
        x, y, w, h = person["bbox"]
        for kx, ky, v in kps[kps[:, 2] == 2]:
            assert x - 1 <= kx <= x + w and y - 1 <= ky <= y + h
            r, g, bl = pic[int(round(ky)), int(round(kx))].astype(int)
            assert bl > 150 and r < 110  # a visible keypoint lies on the pasted person (blue in RGB)


@pytest.mark.skipif(not (PEERS / "edgetpu_pairs").is_dir(), reason=f"peer models not found at {PEERS}")
def test_a_segmentation_model_as_teacher_gets_one_line(tmp_path):
    ann, images = _pasteable_coco(tmp_path)
    seg = PEERS / "edgetpu_pairs" / "deeplabv3_mnv2_dm05_pascal_quant.tflite"
    cmd = [sys.executable, "-m", "edgepose", "data", "pseudo-label", str(ann), "--images", str(images)]
    r = subprocess.run(cmd + ["--teacher", str(seg), "--out", str(tmp_path / "o.json")], capture_output=True, text=True)
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
    assert "not a supported pose model" in r.stderr and "MoveNet" in r.stderr
    r = subprocess.run(cmd + ["--teacher", str(seg), "--out", str(ann)], capture_output=True, text=True)
    assert r.returncode == 1 and "inputs are never modified" in r.stderr
    assert json.loads(ann.read_text())["annotations"][0]["id"] == 1
