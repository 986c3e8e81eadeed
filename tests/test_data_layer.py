"""Samples, augmentation, the tf.data pipeline, data check and data show."""

import json

import cv2
import numpy as np
import pytest

from edgepose.codec import GaussianHeatmapCodec
from edgepose.data.coco import available_mask, load_coco, person_records
from edgepose.data.samples import Augment, colour_jitter, half_body_box, make_sample, random_erase

CODEC = GaussianHeatmapCodec((64, 64), (16, 16), sigma=2.0)


def test_half_body_box_covers_the_chosen_half():
    kps = np.zeros((17, 3))
    kps[:, 0] = np.linspace(10, 100, 17)
    kps[:, 1] = np.linspace(20, 200, 17)
    kps[:, 2] = 2
    rng = np.random.default_rng(0)
    boxes = [half_body_box(kps, rng) for _ in range(20)]
    heights = {round(b[3]) for b in boxes}
    assert len(heights) == 2  # upper and lower halves both occur
    for x, y, w, h in boxes:
        assert h < 1.5 * 180 + 1  # smaller than the whole body x1.5
    kps[:10, 2] = 0  # too few labelled keypoints: no half-body crop
    assert half_body_box(kps, rng) is None


def test_photometric_augmentations_keep_shape_and_dtype():
    rng = np.random.default_rng(0)
    crop = rng.integers(0, 255, (64, 48, 3), dtype=np.uint8)
    jittered = colour_jitter(crop, rng, 0.3)
    erased = random_erase(crop, rng)
    assert jittered.shape == erased.shape == crop.shape and jittered.dtype == erased.dtype == np.uint8
    assert not np.array_equal(jittered, crop) and (erased != crop).any(axis=2).mean() > 0.01


def test_absent_keypoints_get_no_target_weight():
    rng = np.random.default_rng(0)
    image = np.zeros((100, 100, 3), np.uint8)
    kps = np.tile([50.0, 50.0, 2.0], (17, 1))
    avail = np.ones(17, bool)
    avail[:5] = False  # a dataset without face keypoints
    _, _, weights = make_sample(
        image, {"bbox": [30, 20, 40, 60], "keypoints": kps, "available": avail}, CODEC, rng, Augment.none()
    )
    assert np.all(weights[:5] == 0) and np.all(weights[5:] == 1)


def test_available_mask_reads_image_then_info():
    assert available_mask({"available_keypoints": [5, 6]}, {"available_keypoints": [0]}).nonzero()[0].tolist() == [5, 6]
    assert available_mask({}, {"available_keypoints": [0, 1]}).sum() == 2
    assert available_mask({}, {}).all()


@pytest.mark.slow
def test_tf_data_pipeline_is_reproducible_and_shaped(synth_set):
    pytest.importorskip("tensorflow")
    from edgepose.data.tf_pipeline import make_dataset

    records = person_records(load_coco(synth_set["json"]), synth_set["images"])
    a = [tuple(t.numpy() for t in b) for b in make_dataset(records, CODEC, 4, Augment.strong(), seed=1, epoch=0)]
    b = [tuple(t.numpy() for t in b) for b in make_dataset(records, CODEC, 4, Augment.strong(), seed=1, epoch=0, parallel=1)]
    c = next(iter(make_dataset(records, CODEC, 4, Augment.strong(), seed=1, epoch=1)))
    assert len(a) == len(records) // 4
    x, y, w = a[0]
    assert x.shape == (4, 64, 64, 3) and y.shape == (4, 16, 16, 17) and w.shape == (4, 17)
    for (xa, ya, wa), (xb, yb, wb) in zip(a, b):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)
    assert not np.array_equal(c[0].numpy(), x)  # another epoch, another shuffle/augmentation


def test_data_check_reports_every_problem(tmp_path, synth_set):
    from edgepose.data.check import check_dataset

    ok = check_dataset(synth_set["json"], synth_set["images"])
    assert ok["ok"] and ok["people"] > 0 and ok["keypoints"]["nose"]["available_images"] == ok["images"]
    coco = json.loads(synth_set["json"].read_text())
    images = tmp_path / "images"
    images.mkdir()
    for src in synth_set["images"].iterdir():
        (images / src.name).symlink_to(src)
    coco["images"][0]["file_name"] = "missing.jpg"
    coco["images"][1]["width"] += 7
    (images / "bad.jpg").write_bytes(b"junk")
    coco["images"][2]["file_name"] = "bad.jpg"
    path = tmp_path / "ann.json"
    path.write_text(json.dumps(coco))
    report = check_dataset(path, images)
    text = "\n".join(report["errors"])
    assert not report["ok"] and report["errors_total"] >= 3
    assert "file missing" in text and "cannot decode" in text and "but the JSON says" in text


def test_data_show_draws_a_grid(tmp_path, synth_set):
    pytest.importorskip("tensorflow")  # the augmented view builds the training codec
    from edgepose.data.show import show_samples

    for augment in (False, True):
        out = show_samples(synth_set["json"], synth_set["images"], tmp_path / f"grid{augment}.png", n=5, augment=augment)
        img = cv2.imread(str(out))
        assert img is not None and img.shape[0] >= 256 and img.shape[1] == 4 * (192 if augment else 256)


def test_mpii_and_lsp_map_by_name_and_mask_what_coco_lacks():
    from edgepose.errors import EdgeposeError
    from edgepose.keypoints import KEYPOINT_INDEX, SOURCE_KEYPOINTS, to_coco17

    mpii = np.zeros((16, 3))
    names = SOURCE_KEYPOINTS["mpii16"]
    for i in range(16):
        mpii[i] = (i * 10.0, i * 5.0, 2)
    kps, available = to_coco17(mpii, "mpii16")
    assert available.sum() == 12 and not available[:5].any()
    assert kps[KEYPOINT_INDEX["left_wrist"], 0] == names.index("left_wrist") * 10.0
    mpii[names.index("right_knee"), 2] = 0  # unlabelled stays unlabelled, but available
    kps, available = to_coco17(mpii, "mpii16")
    assert kps[KEYPOINT_INDEX["right_knee"]].tolist() == [0, 0, 0] and available[KEYPOINT_INDEX["right_knee"]]
    with pytest.raises(EdgeposeError, match="shape"):
        to_coco17(np.zeros((14, 3)), "mpii16")
    with pytest.raises(EdgeposeError, match="unknown keypoint format"):
        to_coco17(np.zeros((14, 3)), "h36m")


def test_weighted_sources_share_an_epoch_by_weight(synth_set, tmp_path):
    from edgepose.data.sources import DatasetSource, load_sources, weighted_epoch
    from edgepose.errors import EdgeposeError

    a = DatasetSource(synth_set["json"], synth_set["images"], 3.0, name="a")
    b = DatasetSource(synth_set["json"], synth_set["images"], 1.0, name="b")
    per_source = load_sources([a, b])
    epoch = weighted_epoch(per_source, [3.0, 1.0], np.random.default_rng(0), size=400)
    share = sum(r["source"] == "a" for r in epoch) / len(epoch)
    assert len(epoch) == 400 and share == pytest.approx(0.75, abs=0.01)
    assert DatasetSource.parse("x.json:imgs:0.5").weight == 0.5
    with pytest.raises(EdgeposeError, match="must look like"):
        DatasetSource.parse("x.json")


def test_calibration_sampling_spreads_over_size_and_pose():
    import numpy as np

    from edgepose.quantize.calibration import pose_stratum, stratified_sample

    rng = np.random.default_rng(0)

    def person(area_side, angle_deg):
        kps = np.zeros((17, 3))
        kps[[5, 6, 11, 12], 2] = 2
        kps[[5, 6], :2] = [[40, 10], [60, 10]]
        dx, dy = 100 * np.sin(np.radians(angle_deg)), 100 * np.cos(np.radians(angle_deg))
        kps[[11, 12], :2] = [[40 + dx, 10 + dy], [60 + dx, 10 + dy]]
        return {"bbox": [0, 0, area_side, area_side], "keypoints": kps.ravel().tolist()}

    # 90 % of the people are upright and large: the sample must still hold every pose and size
    records = [person(200, 0) for _ in range(270)] + [person(s, a) for s in (20, 80, 200) for a in (0, 45, 90) for _ in range(4)]
    chosen = stratified_sample(records, 30, rng)
    assert len(chosen) == 30
    assert {pose_stratum(r) for r in chosen} == {0, 1, 2}
    assert {r["bbox"][2] for r in chosen} == {20, 80, 200}
    assert sum(pose_stratum(r) == 0 and r["bbox"][2] == 200 for r in chosen) < 10
    assert len(stratified_sample(records[:5], 30, rng)) == 5  # never more than there are
