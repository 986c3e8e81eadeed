"""Distillation data: teacher keypoints merged under human labels, person-extent boxes, splits,
the codec registry and the evaluation bias column."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgepose.codec import CODECS, MSRAHeatmapCodec, codec_class, codec_for, codec_name
from edgepose.data.coco import split_coco, with_extent_boxes
from edgepose.data.distill import EXTENT_PAD, extent_box, jitter_box, merge_teacher


def test_human_labels_always_win_and_teacher_fills_the_rest_by_score():
    human = np.zeros((17, 3))
    human[5:] = [[10.0 + i, 20.0, 2] for i in range(12)]
    weights = (human[:, 2] > 0).astype(np.float32)
    teacher = np.column_stack([np.full(17, 99.0), np.full(17, 98.0), np.linspace(0.0, 1.0, 17)])
    xy, w = merge_teacher(human, weights, teacher, min_score=0.05, teacher_weight=0.5)
    assert np.array_equal(xy[5:], human[5:, :2]) and np.array_equal(w[5:], weights[5:])  # untouched
    assert w[0] == 0.0 and np.allclose(xy[0], human[0, :2])  # teacher score 0 < min_score: not used
    assert np.allclose(xy[1:5], [[99.0, 98.0]] * 4) and np.allclose(w[1:5], 0.5 * teacher[1:5, 2])


def test_extent_box_pads_each_side_by_the_measured_share():
    pts = np.array([[100.0, 50.0], [200.0, 250.0]])
    x, y, w, h = extent_box(pts)
    left, top, right, bottom = EXTENT_PAD
    assert np.allclose([x, y, x + w, y + h], [100 - left * 100, 50 - top * 200, 200 + right * 100, 250 + bottom * 200])
    x, y, w, h = extent_box(pts, image_size=(210, 260))
    assert x + w <= 210 and y + h <= 260
    assert extent_box(pts[:1]) is None


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.01, 0.3))
def test_jitter_keeps_boxes_positive_and_near(seed, strength):
    box = [50.0, 60.0, 100.0, 200.0]
    x, y, w, h = jitter_box(box, np.random.default_rng(seed), strength)
    assert 100 * (1 - strength) - 1e-9 <= w <= 100 * (1 + strength) + 1e-9
    assert 200 * (1 - strength) - 1e-9 <= h <= 200 * (1 + strength) + 1e-9
    assert jitter_box(box, np.random.default_rng(seed), 0.0) == box


def _coco(n_images: int) -> dict:
    images = [{"id": i, "file_name": f"{i}.jpg", "width": 300, "height": 300} for i in range(n_images)]
    anns = []
    for i in range(n_images):
        k = np.zeros((17, 3))
        k[5:] = [[100 + j, 100 + 5 * j, 2] for j in range(12)]
        t = np.column_stack([np.full(17, 100.0), np.full(17, 40.0), np.full(17, 0.9)])
        anns.append(
            {"id": i, "image_id": i, "bbox": [0, 0, 1, 1], "area": 1, "iscrowd": 0,
             "keypoints": k.ravel().tolist(), "teacher_keypoints": t.ravel().tolist()}
        )  # fmt: skip
    return {"images": images, "annotations": anns, "categories": [{"id": 1}]}


def test_split_is_disjoint_complete_and_seeded():
    coco = _coco(20)
    train, val = split_coco(coco, 5, seed=1)
    ids_t, ids_v = {im["id"] for im in train["images"]}, {im["id"] for im in val["images"]}
    assert len(ids_v) == 5 and not ids_t & ids_v and ids_t | ids_v == set(range(20))
    assert {a["image_id"] for a in val["annotations"]} == ids_v
    assert split_coco(coco, 5, seed=1)[1]["images"] == val["images"]


def test_extent_boxes_cover_human_and_confident_teacher_points():
    out = with_extent_boxes(_coco(1))
    x, y, w, h = out["annotations"][0]["bbox"]
    assert y < 40 < y + h  # the teacher's face point (y 40) lies above every human keypoint (y >= 100)
    assert out["annotations"][0]["area"] == pytest.approx(0.53 * w * h, rel=1e-3)


@pytest.mark.parametrize("name", sorted(CODECS))
def test_every_registered_codec_round_trips_and_knows_its_name(name):
    codec = codec_for((48, 64), name=name)
    assert codec_name(codec) == name and codec_class(name) is type(codec)
    kps = np.array([[20.3, 30.7], [30.0, 41.2], [25.5, 35.1]] + [[24.0, 32.0]] * 14)
    hm, w = codec.encode(kps, np.ones(17))
    got, _ = codec.decode(hm)
    assert np.abs(got - kps).max() < 0.15


def test_msra_places_cell_j_at_stride_times_j():
    codec = MSRAHeatmapCodec((192, 256), (48, 64))
    assert np.allclose(codec.to_input(np.array([[3.0, 5.0]])), [[12.0, 20.0]])
    assert codec_class("gaussian-centre-aligned") is CODECS["gaussian"]  # contracts written before the registry
    with pytest.raises(ValueError, match="unknown codec"):
        codec_class("nope")


def test_evaluation_bias_has_the_sign_of_the_error():
    from edgepose.data.coco import available_mask  # noqa: F401  (evaluate reads availability from the file)
    from edgepose.evaluate import pck

    k = np.zeros((17, 3))
    k[:, :2] = [[50 + j, 50 + 4 * j] for j in range(17)]
    k[:, 2] = 2
    ann = {"id": 1, "image_id": 1, "bbox": [0, 0, 100, 100], "area": 10_000, "keypoints": k.ravel().tolist()}
    p = k.copy()
    p[:, 1] -= 20  # every keypoint 20 px too high: bias_y = -20 / sqrt(10000) = -0.2
    out = pck([(ann, {"keypoints": p.ravel().tolist()})], {1: {"id": 1}}, {})
    row = out["per_keypoint"]["left_ankle"]
    assert row["bias_y"] == pytest.approx(-0.2) and row["bias_x"] == pytest.approx(0.0)


@pytest.mark.parametrize("src_name, src_size", [("msra", (192, 256)), ("gaussian", (96, 128)), ("udp", (192, 256))])
def test_resampled_teacher_heatmaps_decode_to_the_same_keypoints(src_name, src_size):
    """A teacher's heatmaps (another codec, another input size) on the student's grid keep the keypoints."""
    from edgepose.codec import resample_heatmaps

    student = codec_for((96, 128))
    teacher = codec_for(src_size, name=src_name)
    kps = np.array([[30.2, 40.7], [50.0, 61.3], [40.5, 80.1]] + [[48.0, 64.0]] * 14)  # student input px
    r = np.array(src_size) / np.array([96, 128])
    hm_t, _ = teacher.encode((kps + 0.5) * r - 0.5, np.ones(17))  # the same points in the teacher's input
    hm_s = resample_heatmaps(hm_t, teacher, student)
    assert hm_s.shape == (32, 24, 17)
    got, _ = student.decode(hm_s)
    assert np.abs(got[:3] - kps[:3]).max() < 0.35  # within a tenth of a heatmap cell (4 px)


def test_soft_targets_blend_where_a_keypoint_has_weight():
    from edgepose.data.samples import Augment, make_sample

    codec = codec_for((48, 64))
    kps = np.zeros((17, 3))
    kps[5:, :2] = [[20 + j, 20 + 2 * j] for j in range(12)]
    kps[5:, 2] = 2
    record = {"keypoints": kps, "bbox": [0.0, 0.0, 60.0, 80.0], "available": np.ones(17, bool)}
    image = np.zeros((80, 60, 3), np.uint8)
    flat = np.full((16, 12, 17), 0.25, np.float32)
    _, plain, w = make_sample(image, record, codec, np.random.default_rng(0), Augment.none())
    _, soft, w2 = make_sample(image, record, codec, np.random.default_rng(0), Augment.none(), lambda crop: flat, 0.5)
    assert np.array_equal(w, w2)
    on = w > 0
    np.testing.assert_allclose(soft[:, :, on], 0.5 * plain[:, :, on] + 0.125, atol=1e-6)
    np.testing.assert_array_equal(soft[:, :, ~on], plain[:, :, ~on])  # no weight: target untouched


def test_soft_teacher_runs_a_real_teacher_on_student_crops():
    from pathlib import Path

    from edgepose.data.distill import SoftTeacher

    teacher = Path(__file__).resolve().parents[2] / "shared" / "peers" / "pp_tinypose" / "256x192" / "model.xml"
    if not teacher.is_file():
        pytest.skip(f"PP-TinyPose not found at {teacher}")
    pytest.importorskip("openvino")
    soft = SoftTeacher(teacher, codec_for((96, 128)))
    hm = soft(np.random.default_rng(0).integers(0, 256, (128, 96, 3), dtype=np.uint8))
    assert hm.shape == (32, 24, 17) and hm.dtype == np.float32 and 0.0 <= hm.min() and hm.max() <= 1.0


@pytest.mark.slow
def test_training_with_a_soft_teacher_in_the_input_pipeline(synth_set, tmp_path):
    """OpenVINO teacher inside tf.data (it segfaulted on tf.data's native threads before it got its own thread)."""
    from pathlib import Path

    from edgepose.train import TrainConfig, train

    teacher = Path(__file__).resolve().parents[2] / "shared" / "peers" / "pp_tinypose" / "128x96" / "model.xml"
    if not teacher.is_file():
        pytest.skip(f"PP-TinyPose not found at {teacher}")
    pytest.importorskip("openvino")
    cfg = TrainConfig(input_size=(96, 128), epochs=1, batch_size=8, epoch_size=32, soft_teacher=str(teacher), soft_alpha=0.5)
    summary = train(synth_set["json"], synth_set["images"], tmp_path / "run", cfg)
    assert summary["history"][0]["epoch"] == 1 and np.isfinite(summary["loss"])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_truncated_person_box_inside_and_points_beyond_the_blank_unlabelled(seed):
    from edgepose.data.samples import truncate_person

    rng = np.random.default_rng(seed)
    image = np.full((120, 100, 3), 200, np.uint8)
    kps = np.zeros((17, 3), np.float32)
    kps[:, 0] = rng.uniform(20, 80, 17)
    kps[:, 1] = rng.uniform(10, 110, 17)
    kps[:, 2] = 2
    box = [15.0, 5.0, 70.0, 110.0]
    before = image.copy(), kps.copy()
    out, cut_box, cut_kps = truncate_person(image, box, kps, rng)
    assert np.array_equal(image, before[0]) and np.array_equal(kps, before[1])  # inputs untouched
    x, y, w, h = cut_box
    assert w > 0 and h > 0 and x >= box[0] - 1e-6 and y >= box[1] - 1e-6
    assert x + w <= box[0] + box[2] + 1e-6 and y + h <= box[1] + box[3] + 1e-6
    assert (w, h) != (box[2], box[3])  # one side really moved
    blanked = out is not image
    if blanked:
        assert (out == 0).any() and (out == 200).any()
        for (px, py), v in zip(cut_kps[:, :2], cut_kps[:, 2]):
            if v > 0:  # a labelled point lies in the box's kept part, on unblanked pixels
                assert out[min(int(py), 119), min(int(px), 99)].max() == 200
        assert (cut_kps[:, 2] == 0).sum() == ((cut_kps[:, 2] == 0) & (kps[:, 2] > 0)).sum()
    else:
        assert np.array_equal(out, image) and np.array_equal(cut_kps, kps)
