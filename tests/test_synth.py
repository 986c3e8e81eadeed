import json

import numpy as np
import pytest

from edgepose.data.coco import load_coco
from edgepose.data.synth import render_image
from edgepose.data.synth_writer import write_synth
from edgepose.errors import EdgeposeError
from edgepose.keypoints import KEYPOINT_INDEX


def test_same_seed_same_dataset_whatever_the_workers(tmp_path):
    a = write_synth(tmp_path / "a", 20, seed=5, workers=1)
    b = write_synth(tmp_path / "b", 20, seed=5, workers=2)
    ja, jb = json.loads(a.read_text()), json.loads(b.read_text())
    assert ja["annotations"] == jb["annotations"] and ja["images"] == jb["images"]
    for im in ja["images"]:
        assert (tmp_path / "a/images" / im["file_name"]).read_bytes() == (tmp_path / "b/images" / im["file_name"]).read_bytes()


def test_different_seeds_give_different_images():
    img0, _ = render_image(0, 0)
    img1, _ = render_image(1, 0)
    assert img0.shape != img1.shape or not np.array_equal(img0, img1)


def test_annotations_are_valid_coco_with_consistent_visibility(synth_set):
    coco = load_coco(synth_set["json"])
    assert coco["info"]["available_keypoints"] == list(range(17))
    sizes = {im["id"]: (im["width"], im["height"]) for im in coco["images"]}
    per_image: dict[int, int] = {}
    for ann in coco["annotations"]:
        per_image[ann["image_id"]] = per_image.get(ann["image_id"], 0) + 1
        kps = np.array(ann["keypoints"]).reshape(17, 3)
        w, h = sizes[ann["image_id"]]
        labelled = kps[:, 2] > 0
        assert ann["num_keypoints"] == labelled.sum() >= 1
        assert np.all(kps[~labelled, :2] == 0)
        assert np.all((kps[labelled, 0] >= 0) & (kps[labelled, 0] <= w - 1))
        assert np.all((kps[labelled, 1] >= 0) & (kps[labelled, 1] <= h - 1))
        x, y, bw, bh = ann["bbox"]
        assert x >= 0 and y >= 0 and x + bw <= w + 1e-6 and y + bh <= h + 1e-6
        assert 0 < ann["area"] <= bw * bh
    assert max(per_image.values()) <= 3
    vis = np.concatenate([np.array(a["keypoints"][2::3]) for a in coco["annotations"]])
    # a realistic mix: mostly visible, some occluded, some unlabelled
    assert (vis == 2).mean() > 0.4 and (vis == 1).any() and (vis == 0).any()


def test_face_points_sit_on_the_head():
    n, checked = 0, 0
    for i in range(40):
        _, people = render_image(11, i)
        for p in people:
            k = p.keypoints
            nose, le, re = k[KEYPOINT_INDEX["nose"]], k[KEYPOINT_INDEX["left_eye"]], k[KEYPOINT_INDEX["right_eye"]]
            ls, rs = k[KEYPOINT_INDEX["left_shoulder"]], k[KEYPOINT_INDEX["right_shoulder"]]
            if min(nose[2], le[2], re[2], ls[2], rs[2]) == 0:
                continue
            n += 1
            shoulder_width = np.linalg.norm(ls[:2] - rs[:2]) + 1e-6
            eye_mid = (le[:2] + re[:2]) / 2
            # eyes and nose are a head's size apart, much closer than the shoulders' span allows
            if np.linalg.norm(nose[:2] - eye_mid) < 0.6 * shoulder_width + 3:
                checked += 1
    assert n > 10 and checked / n > 0.9


def test_bad_count_is_refused(tmp_path):
    with pytest.raises(EdgeposeError, match="-n must be"):
        write_synth(tmp_path, 0)
