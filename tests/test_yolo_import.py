"""``data import``: YOLO / YOLO-pose / YOLO-seg trees written by the tests -> COCO person keypoints."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgepose.data.coco import load_coco, split_coco
from edgepose.data.yolo_import import import_yolo, merge_keypoints, parse_label_line, source_name
from edgepose.errors import EdgeposeError


def _image(path: Path, w: int, h: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.full((h, w, 3), 127, np.uint8))


def _pose_line(cx=0.5, cy=0.5, w=0.4, h=0.8, cls=0) -> str:
    kps = []
    for k in range(17):
        v = 0 if k == 3 else 2
        kps += [cx - w / 4 + (w / 2) * (k % 2), cy - h / 2 + h * (k + 1) / 18, v] if v else [0, 0, 0]
    return " ".join(str(round(v, 6)) for v in [cls, cx, cy, w, h, *kps])


def _tree(root: Path) -> Path:
    """train: a 200x100 pose image (twice: one source exported twice), a box-only image; valid: a
    segmentation line and a line of another class; data.yaml names person as class 1."""
    root.mkdir(parents=True)
    (root / "data.yaml").write_text("train: ../train/images\nval: ../valid/images\nnc: 2\nnames: ['car', 'person']\n")
    for stem in ("walk_jpg.rf.aaa", "walk_jpg.rf.bbb"):
        _image(root / "train/images" / f"{stem}.jpg", 200, 100)
        (root / "train/labels").mkdir(parents=True, exist_ok=True)
        (root / "train/labels" / f"{stem}.txt").write_text(_pose_line(cls=1) + "\n")
    _image(root / "train/images/box_jpg.rf.ccc.jpg", 64, 48)
    (root / "train/labels/box_jpg.rf.ccc.txt").write_text("1 0.5 0.5 0.5 0.5\n\n1 0.1 0.1 0.001 0.001\n")
    _image(root / "valid/images/seg.png", 100, 100)
    (root / "valid/labels").mkdir(parents=True)
    (root / "valid/labels/seg.txt").write_text("1 0.1 0.1 0.5 0.1 0.5 0.9 0.1 0.9\n0 0.5 0.5 0.2 0.2\n")
    return root


def test_tree_imports_with_sizes_keypoints_groups_and_drops(tmp_path):
    coco, report = import_yolo(_tree(tmp_path / "tree"))
    by_name = {im["file_name"]: im for im in coco["images"]}
    assert set(by_name) == {
        "train/images/walk_jpg.rf.aaa.jpg", "train/images/walk_jpg.rf.bbb.jpg",
        "train/images/box_jpg.rf.ccc.jpg", "valid/images/seg.png",
    }  # fmt: skip
    walk = by_name["train/images/walk_jpg.rf.aaa.jpg"]
    assert (walk["width"], walk["height"]) == (200, 100)  # read from the image, not the labels
    assert walk["group"] == by_name["train/images/walk_jpg.rf.bbb.jpg"]["group"]
    assert walk["group"] != by_name["train/images/box_jpg.rf.ccc.jpg"]["group"]
    assert walk["available_keypoints"] == list(range(17))
    assert by_name["train/images/box_jpg.rf.ccc.jpg"]["available_keypoints"] == []
    anns = {a["image_id"]: a for a in coco["annotations"]}
    kp = np.array(anns[walk["id"]]["keypoints"]).reshape(17, 3)
    assert anns[walk["id"]]["num_keypoints"] == 16 and kp[3].tolist() == [0, 0, 0]
    assert kp[0, 0] == pytest.approx((0.5 - 0.1) * 200, abs=0.01)  # fractions -> pixels of this image
    assert anns[walk["id"]]["bbox"] == pytest.approx([60, 10, 80, 80])
    seg = anns[by_name["valid/images/seg.png"]["id"]]
    assert seg["bbox"] == pytest.approx([10, 10, 40, 80]) and seg["area"] == pytest.approx(40 * 80)
    assert report.people == 4 and report.people_with_keypoints == 2
    assert report.dropped == {"other class": 1, "degenerate box (under 1 px)": 1}
    assert report.sources == 3 and report.duplicate_sources == 1 and report.duplicate_images == 1
    assert coco["info"]["available_keypoints"] == list(range(17))
    # the file loads as a valid COCO document
    out = tmp_path / "pool.json"
    out.write_text(json.dumps(coco))
    load_coco(out)


def test_min_height_drops_small_people(tmp_path):
    coco, report = import_yolo(_tree(tmp_path / "tree"), min_height=30)
    assert report.dropped["under 30 px tall"] == 1  # the 24 px person of the 64x48 image
    assert report.people == 3


def test_keypoints_from_merges_by_coco_id_and_iou(tmp_path):
    root = tmp_path / "tree"
    _image(root / "train/images/000000000042_jpg.rf.x.jpg", 100, 100)
    (root / "train/labels").mkdir(parents=True)
    (root / "train/labels/000000000042_jpg.rf.x.txt").write_text("0 0.5 0.5 0.4 0.8\n0 0.1 0.1 0.1 0.1\n")
    kp_dir = tmp_path / "kps"
    kp_dir.mkdir()
    # one person overlapping the first box, one with no box in the tree
    (kp_dir / "000000000042.txt").write_text(_pose_line(0.51, 0.5, 0.4, 0.78) + "\n" + _pose_line(0.85, 0.5, 0.2, 0.6) + "\n")
    coco, report = import_yolo(root, keypoints_from=kp_dir)
    assert coco["images"][0]["coco_id"] == 42
    people = sorted(coco["annotations"], key=lambda a: a["id"])
    assert [a["num_keypoints"] for a in people] == [16, 0, 16]
    assert people[0]["bbox"] == pytest.approx([30, 10, 40, 80])  # the tree's box is kept
    assert report.keypoint_people_added == 1


@pytest.mark.parametrize(
    "line, words",
    [
        ("0 0.5 0.5 0.2", "4 values"),
        ("0 0.5 x 0.2 0.2", "not numbers"),
        ("0 1.5 0.5 0.2 0.2", "fractions"),
        ("0.5 0.5 0.5 0.2 0.2", "class"),
        ("0 0.5 0.5 0.2 0.2 " + " ".join(["0.5 0.5 3"] * 17), "visibility"),
    ],
)
def test_bad_line_names_file_and_line(tmp_path, line, words):
    root = tmp_path / "tree"
    _image(root / "images/a.jpg", 50, 50)
    (root / "labels").mkdir()
    (root / "labels/a.txt").write_text("0 0.5 0.5 0.2 0.2\n" + line + "\n")
    with pytest.raises(EdgeposeError, match=rf"a\.txt:2: .*{words}"):
        import_yolo(root)


def test_not_a_tree_and_no_person_class(tmp_path):
    with pytest.raises(EdgeposeError, match="not a YOLO tree"):
        import_yolo(tmp_path)
    root = tmp_path / "t"
    _image(root / "images/a.jpg", 50, 50)
    (root / "data.yaml").write_text("names: ['car', 'dog']\n")
    with pytest.raises(EdgeposeError, match="no class named person"):
        import_yolo(root)


def test_source_name_strips_roboflow_export_suffix():
    assert source_name("000000123456_jpg.rf.0a1b2c") == "000000123456"
    assert source_name("img_12_png.rf.ff") == "img_12"
    assert source_name("plain") == "plain"


@settings(max_examples=40, deadline=None)
@given(
    cx=st.floats(0.1, 0.9), cy=st.floats(0.1, 0.9), w=st.floats(0.05, 0.2), h=st.floats(0.05, 0.2),
    pts=st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1), st.sampled_from([0, 1, 2])), min_size=17, max_size=17),
)  # fmt: skip
def test_pose_line_round_trip(cx, cy, w, h, pts):
    values = [0, cx, cy, w, h] + [v for p in pts for v in p]
    label = parse_label_line(" ".join(repr(float(v)) for v in values), "f:1")
    assert label.box == pytest.approx([cx, cy, w, h])
    for (x, y, v), k in zip(pts, label.keypoints):
        assert k.tolist() == (pytest.approx([x, y, v]) if v else [0, 0, 0])


def test_merge_keeps_unmatched_tree_boxes():
    tree = [parse_label_line("0 0.5 0.5 0.2 0.2", "a:1")]
    extra = [parse_label_line(_pose_line(0.2, 0.2, 0.1, 0.1), "b:1")]
    merged, added = merge_keypoints(tree, extra)
    assert added == 1 and merged[0].keypoints is None and merged[1].keypoints is not None


def test_split_keeps_groups_whole(tmp_path):
    coco, _ = import_yolo(_tree(tmp_path / "tree"))
    for seed in range(6):
        train, val = split_coco(coco, 1, seed=seed)
        tg, vg = {im["group"] for im in train["images"]}, {im["group"] for im in val["images"]}
        assert not tg & vg and len(train["images"]) + len(val["images"]) == 4


def test_cli_import_prints_counts_and_refuses_overwrite(tmp_path):
    root = _tree(tmp_path / "tree")
    out = tmp_path / "out.json"
    cmd = [sys.executable, "-m", "edgepose.cli", "data", "import", str(root), "--out", str(out)]
    run = subprocess.run(cmd, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "4 images, 4 people" in run.stdout + run.stderr and "1 exported more than once" in run.stdout
    again = subprocess.run(cmd, capture_output=True, text=True)
    assert again.returncode != 0 and "--force" in again.stderr and len(again.stderr.strip().splitlines()) == 1
    (root / "train/labels/box_jpg.rf.ccc.txt").write_text("1 0.5 0.5\n")
    bad = subprocess.run(cmd + ["--force"], capture_output=True, text=True)
    assert bad.returncode != 0 and "box_jpg.rf.ccc.txt:1" in bad.stderr and "Traceback" not in bad.stderr


def _xy_line(cx=0.5, cy=0.5, w=0.4, h=0.8) -> str:
    """A YOLO-pose line with x y keypoints only (kpt_shape [17, 2])."""
    kps = []
    for k in range(17):
        kps += [cx - w / 4 + (w / 2) * (k % 2), cy - h / 2 + h * (k + 1) / 18]
    return " ".join(str(round(v, 6)) for v in [0, cx, cy, w, h, *kps])


@pytest.mark.parametrize(
    "yaml_kpt",
    ["kpt_shape: [17, 2]\n", "kpt_shape:\n  - 17\n  - 2\n", "kpt_shape:   # x y only\n- 17\n- 2\n"],
    ids=["inline", "block", "block-comment"],
)
def test_xy_only_keypoints_in_every_yaml_spelling(tmp_path, yaml_kpt):
    root = tmp_path / "xy"
    _image(root / "train/images/a.jpg", 100, 200)
    (root / "train/labels").mkdir(parents=True)
    (root / "train/labels/a.txt").write_text(_xy_line() + "\n")
    (root / "data.yaml").write_text("nc: 1\nnames: ['person']\n" + yaml_kpt)
    coco, _ = import_yolo(root)
    (ann,) = coco["annotations"]
    assert ann["num_keypoints"] == 17  # keypoints, not a 35-point polygon
    x, y, w, h = ann["bbox"]
    assert (round(w), round(h)) == (40, 160)  # the line's box, not a polygon's extent


def test_a_line_contradicting_kpt_shape_names_file_and_line(tmp_path):
    root = tmp_path / "bad"
    _image(root / "train/images/a.jpg", 100, 100)
    (root / "train/labels").mkdir(parents=True)
    (root / "train/labels/a.txt").write_text(_pose_line() + "\n" + _xy_line() + "\n")  # line 2: 17 x 2 in a [17, 3] tree
    (root / "data.yaml").write_text("nc: 1\nnames: ['person']\nkpt_shape: [17, 3]\n")
    with pytest.raises(EdgeposeError, match=r"a\.txt:2: 39 values, but data\.yaml's kpt_shape \[17, 3\] means 56"):
        import_yolo(root)


def test_a_label_file_without_its_image_is_counted(tmp_path):
    root = tmp_path / "orphan"
    _image(root / "train/images/a.jpg", 100, 100)
    (root / "train/labels").mkdir(parents=True)
    (root / "train/labels/a.txt").write_text(_pose_line() + "\n")
    (root / "train/labels/gone.txt").write_text(_pose_line() + "\n")
    (root / "data.yaml").write_text("nc: 1\nnames: ['person']\nkpt_shape: [17, 3]\n")
    coco, report = import_yolo(root)
    assert len(coco["annotations"]) == 1
    assert report.dropped == {"label file without its image": 1}


def test_a_large_label_file_is_streamed(tmp_path, monkeypatch):
    """Lines are parsed as they are read: the file is never read whole."""
    root = tmp_path / "big"
    _image(root / "train/images/a.jpg", 100, 100)
    (root / "train/labels").mkdir(parents=True)
    (root / "train/labels/a.txt").write_text((_pose_line() + "\n") * 2000)
    (root / "data.yaml").write_text("nc: 1\nnames: ['person']\nkpt_shape: [17, 3]\n")

    original = Path.read_text

    def no_whole_label_reads(self, *args, **kwargs):
        if self.suffix == ".txt":
            raise AssertionError(f"{self} read whole")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", no_whole_label_reads)
    coco, _ = import_yolo(root)
    assert len(coco["annotations"]) == 2000
