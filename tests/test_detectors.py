"""Person detectors, NMS, anchors, detect-then-track and One Euro smoothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgepose.errors import EdgeposeError
from edgepose.pretrained import pretrained_tflite
from edgepose.runtime.detectors import Detection, PersonDetector, box_iou, nms, open_detector, ssd_anchors
from edgepose.runtime.estimator import Pose
from edgepose.runtime.tracking import DetectThenTrack, OneEuroFilter, track_affinity

REPO = Path(__file__).resolve().parents[1]
PEERS = Path(os.environ.get("EDGEPOSE_SHARED_PEERS", REPO.parent / "shared" / "peers"))
PRETRAINED = pretrained_tflite()
needs_peers = pytest.mark.skipif(not (PEERS / "pose_detection.tflite").is_file(), reason=f"peer models not found at {PEERS}")


def test_blazepose_anchor_recipe_gives_the_models_2254_anchors():
    anchors = ssd_anchors(224)
    assert anchors.shape == (2254, 2)
    # first cell of the stride-8 map (28x28, 2 per cell), last cell of the stride-32 map (7x7, 6 per cell)
    np.testing.assert_allclose(anchors[0], [0.5 / 28, 0.5 / 28])
    np.testing.assert_allclose(anchors[-1], [6.5 / 7, 6.5 / 7])
    assert len(np.unique(anchors[1568 : 1568 + 392], axis=0)) == 196


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(*[st.floats(0, 100)] * 2, *[st.floats(1, 50)] * 2, st.floats(0.01, 1)), min_size=1, max_size=12))
def test_nms_keeps_the_best_box_and_no_two_kept_boxes_overlap_beyond_the_threshold(rows):
    arr = np.array(rows)
    boxes, scores = arr[:, :4], arr[:, 4]
    kept, kept_scores, _ = nms(boxes, scores, 0.5)
    assert kept_scores[0] == scores.max()
    assert list(kept_scores) == sorted(kept_scores, reverse=True)
    ious = box_iou(kept, kept)
    np.fill_diagonal(ious, 0)
    assert (ious <= 0.5 + 1e-9).all()


def test_weighted_nms_averages_the_suppressed_boxes_and_their_keypoints():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 10, 10], [50, 50, 10, 10]], float)
    scores = np.array([0.9, 0.3, 0.8])
    kps = np.array([[[0, 0]], [[4, 4]], [[50, 50]]], float)
    kept, s, k = nms(boxes, scores, 0.3, weighted=True, extra=kps)
    np.testing.assert_allclose(kept[0], [0.25, 0.25, 10, 10])
    np.testing.assert_allclose(k[0], [[1.0, 1.0]])
    np.testing.assert_allclose(s, [0.9, 0.8])


def test_one_euro_filter_smooths_jitter_and_follows_a_step():
    rng = np.random.default_rng(0)
    f = OneEuroFilter(min_cutoff=1.0, beta=0.0)
    noisy = 10 + rng.normal(0, 1, 200)
    out = np.array([f(np.array([x]), i / 30)[0] for i, x in enumerate(noisy)])
    assert out[50:].std() < 0.5 * noisy[50:].std()
    g = OneEuroFilter(min_cutoff=1.0, beta=1.0)
    step = [g(np.array([0.0 if i < 10 else 100.0]), i / 30)[0] for i in range(40)]
    assert step[-1] > 99  # it catches up


def test_track_affinity_matches_a_square_detector_box_to_the_track_of_the_same_person():
    track = np.array([[100, 50, 40, 120]], float)  # a standing person's keypoint box
    dets = np.array([[60, 50, 120, 120], [300, 50, 120, 120]], float)  # square boxes, same centre / elsewhere
    aff = track_affinity(track, dets)
    assert box_iou(track, dets)[0, 0] < 0.5 < aff[0, 0]
    assert aff[0, 1] == 0


class _ScriptedDetector(PersonDetector):
    """A detector that returns given boxes (no model) to drive the tracker."""

    def __init__(self, boxes):
        self.boxes, self.max_people, self.calls = boxes, 10, 0

    def _detect(self, image_rgb):
        self.calls += 1
        return [Detection(box=list(b), score=0.9) for b in self.boxes]


class _ConfidentEstimator:
    """Keypoints spread over each box, all confident."""

    def predict(self, image, boxes):
        out = []
        for x, y, w, h in boxes:
            kps = np.stack([np.linspace(x + 0.2 * w, x + 0.8 * w, 17), np.linspace(y + 0.1 * h, y + 0.9 * h, 17)], 1)
            out.append(Pose(keypoints=kps, scores=np.full(17, 0.9), box=[x, y, w, h]))
        return out


def test_detect_then_track_runs_the_detector_every_n_frames_and_keeps_ids():
    det = _ScriptedDetector([[10, 10, 50, 100], [200, 10, 50, 100]])
    tracker = DetectThenTrack(_ConfidentEstimator(), det, redetect_every=5)
    image = np.zeros((240, 320, 3), np.uint8)
    ids = [sorted(p.track_id for p in tracker(image, i / 15)) for i in range(20)]
    assert tracker.stats == {"frames": 20, "detector_calls": 4}
    assert all(i == [0, 1] for i in ids)


def test_a_pose_model_passed_as_detector_gets_one_line_naming_the_contracts():
    with pytest.raises(EdgeposeError, match="not a supported person detector.*TFLite_Detection_PostProcess.*pose_detection"):
        open_detector(PRETRAINED)
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "edgepose",
            "predict",
            str(PRETRAINED),
            str(PRETRAINED),
            "--detector",
            str(PRETRAINED),
            "--out",
            "x",
        ],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "not a supported person detector" in r.stderr


@needs_peers
def test_blazepose_detector_finds_the_person_in_squat_jpg():
    from edgepose.transforms import load_rgb

    det = open_detector(PEERS / "pose_detection.tflite")
    found = det.detect(load_rgb(PEERS / "squat.jpg"))
    assert len(found) == 1 and found[0].score > 0.9
    hip = found[0].keypoints[0]
    assert 100 < hip[0] < 300 and 300 < hip[1] < 480  # the squatting person's hips (500x610 image)


@needs_peers
def test_predict_video_with_detector_tracks_two_synthetic_people(tmp_path):
    import cv2

    from edgepose.data.synth import render_video

    clip = tmp_path / "clip.mp4"
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"mp4v"), 15, (320, 240))
    for img, _ in render_video(3, 30):
        writer.write(cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    writer.release()
    out = tmp_path / "out"
    det = str(PEERS / "pose_detection.tflite")
    cmd = [sys.executable, "-m", "edgepose", "predict", str(PRETRAINED), str(clip), "--detector", det, "--out", str(out)]
    r = subprocess.run(cmd + ["--redetect-every", "10"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    results = json.loads((out / "results.json").read_text())
    frames = {x["frame"] for x in results}
    assert len(frames) == 30 and all("track_id" in x for x in results)
    assert (out / "clip_pose.mp4").stat().st_size > 0
    report = " ".join(r.stderr.split())
    assert "detector on" in report
    calls = int(report.split("detector on ")[1].split()[0])
    assert calls <= 10  # at most a third of the frames


def _make_ssd_fixture(path: Path, size: int = 64, grid: int = 4) -> None:
    """A real SSD-contract model: TFLite_Detection_PostProcess over a 4x4 anchor grid whose
    'person' score is each cell's brightness (the OD API's experimental_implements route)."""
    tf = pytest.importorskip("tensorflow")
    n = grid * grid
    cy, cx = np.meshgrid((np.arange(grid) + 0.5) / grid, (np.arange(grid) + 0.5) / grid, indexing="ij")
    anchors = np.stack([cy.ravel(), cx.ravel(), np.full(n, 1 / grid), np.full(n, 1 / grid)], 1).astype(np.float32)
    attrs = ['name: "TFLite_Detection_PostProcess"'] + [
        f'attr {{ key: "{k}" value {{ {v} }} }}'
        for k, v in [
            ("max_detections", "i: 10"), ("max_classes_per_detection", "i: 1"), ("detections_per_class", "i: 100"),
            ("use_regular_nms", "b: false"), ("nms_score_threshold", "f: 0.3"), ("nms_iou_threshold", "f: 0.6"),
            ("y_scale", "f: 10.0"), ("x_scale", "f: 10.0"), ("h_scale", "f: 5.0"), ("w_scale", "f: 5.0"), ("num_classes", "i: 2"),
        ]
    ]  # fmt: skip

    @tf.function(experimental_implements=" ".join(attrs))
    def postprocess(box_encodings, class_predictions, anchor_boxes):
        z = tf.constant(0.0)
        return z, z, z, z

    @tf.function(input_signature=[tf.TensorSpec([1, size, size, 3], tf.float32)])
    def model(x):
        bright = tf.reduce_mean((x + 1.0) / 2.0, axis=-1, keepdims=True)
        cell = tf.reshape(tf.nn.avg_pool2d(bright, size // grid, size // grid, "VALID"), [1, n, 1])
        scores = tf.concat([tf.zeros([1, n, 1]), cell, (1.0 - cell) * 0.5], axis=-1)  # background, person, other
        return postprocess(tf.zeros([1, n, 4]), scores, tf.constant(anchors))

    module = tf.Module()
    module.f = model
    saved = path.parent / "ssd_saved_model"
    tf.saved_model.save(module, str(saved), signatures={"serving_default": model.get_concrete_function()})
    converter = tf.lite.TFLiteConverter.from_saved_model(str(saved))
    converter.allow_custom_ops = True
    path.write_bytes(converter.convert())


@pytest.mark.slow
def test_ssd_postprocess_detector_keeps_the_person_class_and_maps_boxes_to_image_pixels(tmp_path):
    model = tmp_path / "ssd_postprocess.tflite"
    _make_ssd_fixture(model)
    det = open_detector(model, score_threshold=0.6)
    assert det.kind == "ssd"
    image = np.zeros((128, 256, 3), np.uint8)  # stretched to 64x64: cells are 64x32 image px
    image[32:64, 128:192] = 255  # cell (row 1, col 2)
    found = det.detect(image)
    assert len(found) == 1 and found[0].score == pytest.approx(1.0)
    np.testing.assert_allclose(found[0].box, [128, 32, 64, 32], atol=0.5)
    other = open_detector(model, score_threshold=0.4, person_class=1)  # the 'other' class: dark cells
    assert len(other.detect(image)) == 9  # the op keeps 10 (max_detections): the bright person cell + 9 others


def _onnx_detector(tmp_path: Path, outputs: dict[str, list[int]], input_shape=(1, 3, 64, 64)) -> Path:
    """An ONNX file with one image input and constant outputs of the given shapes (the decoders'
    arithmetic is checked on known values; the kinds are told apart by shapes alone)."""
    onnx = pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits, outs = [], [], []
    for name, (shape, value) in outputs.items():
        inits.append(numpy_helper.from_array(np.asarray(value, np.float32).reshape(shape), f"{name}_c"))
        nodes.append(helper.make_node("Identity", [f"{name}_c"], [name]))
        outs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape)))
    graph = helper.make_graph(nodes, "det", [helper.make_tensor_value_info("images", TensorProto.FLOAT, list(input_shape))],
                              outs, inits)  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    path = tmp_path / "det.onnx"
    onnx.save(model, str(path))
    return path


def test_yolox_grid_decode_letterbox_and_person_score(tmp_path):
    """One anchor of stride 16 at cell (1, 2) with xy offsets 0.5, w = h = e^1 x 16: its box in the
    64x64 input, divided by the letterbox ratio (a 128x64 image: ratio 0.5)."""
    n = 8 * 8 + 4 * 4 + 2 * 2
    out = np.zeros((1, n, 7), np.float32)
    i = 64 + 2 * 4 + 1  # stride-16 map, row 2, column 1
    out[0, i] = [0.5, 0.5, 1.0, 1.0, 0.9, 0.8, 0.1]  # obj 0.9, person 0.8, other class 0.1
    out[0, 3] = [0, 0, 0, 0, 0.9, 0.1, 0.9]  # a confident non-person
    det = open_detector(_onnx_detector(tmp_path, {"output": ((1, n, 7), out)}), score_threshold=0.5)
    assert det.kind == "yolox"
    (d,) = det.detect(np.zeros((64, 128, 3), np.uint8))
    cx, cy, wh = (1 + 0.5) * 16 / 0.5, (2 + 0.5) * 16 / 0.5, np.e * 16 / 0.5
    assert d.box == pytest.approx([cx - wh / 2, cy - wh / 2, wh, wh], rel=1e-4)
    assert d.score == pytest.approx(0.72)


def test_picodet_boxes_scale_back_from_the_stretched_input(tmp_path):
    boxes = np.zeros((1, 5, 4), np.float32)
    boxes[0, 2] = [8, 16, 40, 48]  # input pixels of a 64x64 input
    scores = np.zeros((1, 1, 5), np.float32)
    scores[0, 0, 2] = 0.9
    det = open_detector(_onnx_detector(tmp_path, {"boxes": ((1, 5, 4), boxes), "scores": ((1, 1, 5), scores)}))
    assert det.kind == "picodet"
    (d,) = det.detect(np.zeros((128, 256, 3), np.uint8))  # x scaled by 4, y by 2
    assert d.box == pytest.approx([32, 32, 128, 64]) and d.score == pytest.approx(0.9)


def test_a_file_of_no_detector_kind_gets_one_line(tmp_path):
    path = _onnx_detector(tmp_path, {"output": ((1, 10, 7), np.zeros((1, 10, 7)))})  # 10 anchors: no YOLOX grid
    with pytest.raises(EdgeposeError, match="not a supported person detector") as err:
        open_detector(path)
    assert "YOLOX" in str(err.value) and "\n" not in str(err.value)


@pytest.mark.skipif(not (PEERS / "detectors" / "yolox_nano" / "yolox_nano.onnx").is_file(), reason="peer detectors absent")
@pytest.mark.skipif(not (REPO.parent / "shared" / "data" / "coco_val").is_dir(), reason="coco_val absent")
@pytest.mark.parametrize("name, floor", [("yolox_nano/yolox_nano.onnx", 0.39), ("picodet_s_320_pedestrian/model.xml", 0.43)])
def test_real_detectors_reach_their_documented_person_ap(name, floor):
    """The documented contracts decode the real files to the person AP measured with the peers (0.398, 0.444)."""
    pytest.importorskip("pycocotools")
    if name.endswith(".xml"):
        pytest.importorskip("openvino")
    from edgepose.bench.detection import person_ap

    data = REPO.parent / "shared" / "data" / "coco_val"
    result = person_ap(PEERS / "detectors" / name, data / "person_keypoints.json", data / "images")
    assert result["AP"] >= floor
