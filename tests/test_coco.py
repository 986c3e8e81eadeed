import json

import pytest

from edgepose.data.coco import load_coco, new_coco, person_records
from edgepose.errors import EdgeposeError


def _write(tmp_path, coco):
    p = tmp_path / "ann.json"
    p.write_text(json.dumps(coco))
    return p


def _valid():
    coco = new_coco("t")
    coco["images"].append({"id": 1, "file_name": "a.jpg", "width": 10, "height": 10})
    coco["annotations"].append({"id": 1, "image_id": 1, "bbox": [1, 1, 5, 5], "keypoints": [1, 1, 2] * 17, "iscrowd": 0})
    return coco


def test_valid_file_loads_and_flattens(tmp_path):
    records = person_records(load_coco(_write(tmp_path, _valid())), tmp_path)
    assert len(records) == 1 and records[0]["keypoints"].shape == (17, 3)


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda c: c["annotations"][0].update(keypoints=[1, 1, 2] * 16), "expected 51"),
        (lambda c: c["annotations"][0].update(keypoints=[1, 1, 3] * 17), "visibility"),
        (lambda c: c["annotations"].append(dict(c["annotations"][0])), "duplicate annotation id"),
        (lambda c: c["images"].append(dict(c["images"][0])), "duplicate image id"),
        (lambda c: c["annotations"][0].update(image_id=9), "unknown image id"),
        (lambda c: c.pop("images"), "not a COCO"),
    ],
)
def test_problems_are_named(tmp_path, mutate, message):
    coco = _valid()
    mutate(coco)
    with pytest.raises(EdgeposeError, match=message):
        load_coco(_write(tmp_path, coco))


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(EdgeposeError, match="not found"):
        load_coco(tmp_path / "nope.json")
    (tmp_path / "bad.json").write_text("[1,")
    with pytest.raises(EdgeposeError, match="not valid JSON"):
        load_coco(tmp_path / "bad.json")
