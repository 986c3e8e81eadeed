"""The int8 person-detector path: activation ranges of least error, the YOLOX head cut, the
channel-group split (exact in float), the yolox-heads runtime kind, the detection gate."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgepose.errors import EdgeposeError
from edgepose.quantize.ranges import SILU_FLOOR, mse_range
from edgepose.runtime.detectors import open_detector

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("EDGEPOSE_SHARED", REPO.parent / "shared"))
YOLOX = SHARED / "peers" / "detectors" / "yolox_nano" / "yolox_nano.onnx"
needs_yolox = pytest.mark.skipif(not YOLOX.is_file(), reason=f"YOLOX-nano peer not found at {YOLOX}")


def _hist(values: np.ndarray, lo: float, hi: float, bins: int = 2048) -> np.ndarray:
    idx = np.clip(((values - lo) / (hi - lo) * bins).astype(int), 0, bins - 1)
    return np.bincount(idx, minlength=bins)


def test_a_rare_outlier_no_longer_sets_the_range():
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.normal(0, 1, 2_000_000), [150.0]])  # one extreme pixel in two million
    lo, hi = float(values.min()), float(values.max())
    a, b = mse_range(_hist(values, lo, hi), lo, hi)
    assert 4.5 < b < hi / 2  # the bulk (|x| < ~4.5) stays inside, the outlier is clamped
    assert lo <= a <= 0 <= b <= hi


def test_an_even_spread_keeps_its_range():
    values = np.linspace(-2, 6, 100_000)
    a, b = mse_range(_hist(values, -2, 6), -2, 6)
    assert a <= -1.8 and b >= 5.4


def test_silu_inputs_are_floored_at_no_cost():
    rng = np.random.default_rng(1)
    values = np.concatenate([rng.normal(0, 2, 100_000), rng.uniform(-120, -10, 5_000)])
    lo, hi = float(values.min()), float(values.max())
    a, _ = mse_range(_hist(values, lo, hi), lo, hi, floor=SILU_FLOOR)
    assert a == SILU_FLOOR


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.001, 1000), min_size=1, max_size=40), st.floats(2, 32), st.integers(1, 4))
def test_channel_groups_partition_by_magnitude(mags, ratio, max_groups):
    pytest.importorskip("onnx")
    from converters.detector_surgery import channel_groups

    m = np.array(mags)
    groups = channel_groups(m, ratio, max_groups)
    flat = [c for g in groups for c in g]
    assert sorted(flat) == list(range(len(m)))  # a partition
    assert len(groups) <= max_groups
    for g in groups[:-1]:  # all but the last (which takes the rest) lie within the ratio
        assert m[g].min() >= m[g[0]] / ratio
    for g, nxt in zip(groups, groups[1:]):
        assert m[g].min() >= m[nxt].max()  # sorted: every group above the next


def test_quantize_with_mse_ranges_writes_a_full_integer_model(tiny_run, tmp_path):
    from edgepose.quantize import load_calibration, quantize
    from edgepose.train import load_model

    calib = load_calibration(tiny_run["calib"])
    report = quantize(load_model(tiny_run["summary"]["checkpoint"]), tmp_path / "m.tflite", "int8", calib=calib, ranges="mse")
    assert report["inputs"][0]["dtype"] == "int8" and report["float_ops"] == []
    with pytest.raises(EdgeposeError, match="ranges"):
        quantize(load_model(tiny_run["summary"]["checkpoint"]), tmp_path / "m16.tflite", "fp16", ranges="mse")


def _heads_onnx(tmp_path, nchw: bool = True) -> Path:
    """A 64x64 YOLOX-heads detector: one person at stride 16, cell (row 2, col 1)."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits, outs = [], [], []
    for s in (8, 16, 32):
        g = 64 // s
        box = np.zeros((1, 4, g, g), np.float32)
        score = np.full((1, 2, g, g), -9.0, np.float32)
        if s == 16:
            box[0, :, 2, 1] = [0.5, 0.5, 1.0, 1.0]
            score[0, :, 2, 1] = [3.0, 2.0]
        for name, v in ((f"boxes_{s}", box), (f"scores_{s}", score)):
            v = v if nchw else v.transpose(0, 2, 3, 1)
            inits.append(numpy_helper.from_array(v, f"{name}_c"))
            nodes.append(helper.make_node("Identity", [f"{name}_c"], [name]))
            outs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, list(v.shape)))
    shape = [1, 3, 64, 64] if nchw else [1, 64, 64, 3]
    graph = helper.make_graph(nodes, "heads", [helper.make_tensor_value_info("images", TensorProto.FLOAT, shape)], outs, inits)
    path = tmp_path / f"heads_{'nchw' if nchw else 'nhwc'}.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(path))
    return path


@pytest.mark.parametrize("nchw", [True, False])
def test_yolox_heads_decode_sigmoids_grid_and_letterbox(tmp_path, nchw):
    pytest.importorskip("onnxruntime")
    det = open_detector(_heads_onnx(tmp_path, nchw), score_threshold=0.5)
    assert det.kind == "yolox-heads"
    (d,) = det.detect(np.zeros((64, 128, 3), np.uint8))  # letterbox ratio 0.5
    cx, cy, wh = 1.5 * 16 / 0.5, 2.5 * 16 / 0.5, np.e * 16 / 0.5
    assert d.box == pytest.approx([cx - wh / 2, cy - wh / 2, wh, wh], rel=1e-4)
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    assert d.score == pytest.approx(sig(3.0) * sig(2.0), rel=1e-5)


@needs_yolox
def test_the_head_cut_and_the_channel_split_are_exact_in_float():
    ort = pytest.importorskip("onnxruntime")
    import onnx

    from converters.detector_surgery import person_heads, silu_conv_chains, split_chain, yolox_levels

    model = onnx.load(str(YOLOX))
    x = np.random.default_rng(0).uniform(0, 255, (1, 3, 416, 416)).astype(np.float32)
    (full,) = ort.InferenceSession(str(YOLOX)).run(None, {"images": x})
    heads = person_heads(model, person_class=0)
    values = ort.InferenceSession(heads.SerializeToString()).run(None, {"images": x})
    outs = dict(zip([o.name for o in heads.graph.output], values))
    start = 0
    for k, s in enumerate((8, 16, 32)):
        box, score = outs[f"boxes_{k}"][0], outs[f"scores_{k}"][0]
        n = box.shape[1] * box.shape[2]
        rows = full[0, start : start + n]
        start += n
        assert box.reshape(4, -1).T == pytest.approx(rows[:, :4], abs=1e-4)
        sig = 1 / (1 + np.exp(-score.reshape(2, -1).T))
        assert sig[:, 0] == pytest.approx(rows[:, 4], abs=1e-5) and sig[:, 1] == pytest.approx(rows[:, 5], abs=1e-5)
    assert len(yolox_levels(model)) == 3
    chain = silu_conv_chains(heads)[0]
    from onnx import numpy_helper

    n = next(numpy_helper.to_array(i) for i in heads.graph.initializer if i.name == chain["conv"].input[1]).shape[0]
    split = split_chain(heads, chain, [list(range(0, n, 2)), list(range(1, n, 2))])
    again = ort.InferenceSession(split.SerializeToString()).run(None, {"images": x})
    for a, b in zip(outs.values(), again):
        assert np.abs(a - b).max() < 1e-3


def test_a_detector_conversion_without_photos_gets_one_line(tmp_path):
    pytest.importorskip("onnx")
    from typer.testing import CliRunner

    from edgepose.cli import app

    if not YOLOX.is_file():
        pytest.skip(f"YOLOX-nano peer not found at {YOLOX}")
    res = CliRunner().invoke(app, ["convert", str(YOLOX), "--out", str(tmp_path / "d.tflite")])
    assert res.exit_code != 0 and "--calib-images" in res.output and "Traceback" not in res.output


@needs_yolox
@pytest.mark.slow
def test_yolox_converts_to_int8_that_finds_the_same_person(tmp_path):
    """End to end on a few photos: cut, split, int8 with mse ranges; the int8 detector's best
    box on a person photo overlaps the float detector's (IoU > 0.8)."""
    pytest.importorskip("onnx2tf")
    from converters.onnx_detector import calibration_photos, convert_detector
    from edgepose.runtime.detectors import box_iou
    from edgepose.transforms import load_rgb

    photos_dir = SHARED / "data" / "coco_train" / "images"
    if not photos_dir.is_dir():
        pytest.skip("coco_train photos absent")
    res = convert_detector(YOLOX, tmp_path / "det.tflite", calibration_photos(photos_dir, 8), fmt="int8")
    assert res["verify"]["inputs"][0]["dtype"] == "int8" and res["verify"]["float_ops"] == [] and res["split"]
    image = load_rgb(SHARED / "peers" / "squat.jpg")
    (f, *_) = open_detector(YOLOX).detect(image)
    q = open_detector(tmp_path / "det.tflite")
    assert q.kind == "yolox-heads"
    (g, *_) = q.detect(image)
    assert box_iou(np.array(f.box), np.array(g.box))[0, 0] > 0.8
