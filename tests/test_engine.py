"""The model seam: tensor specs, quantization, the three backends, the kinds table, contracts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgepose.engine.model import TensorSpec, backend_for, dequantize, display_name, open_model, quantize
from edgepose.errors import EdgeposeError
from edgepose.pretrained import pretrained_tflite

PRETRAINED = pretrained_tflite()


@settings(max_examples=60, deadline=None)
@given(
    scale=st.floats(1e-3, 1.0),
    zero=st.integers(-128, 127),
    values=st.lists(st.floats(-50, 50, allow_nan=False), min_size=1, max_size=32),
)
def test_quantize_then_dequantize_is_within_half_a_step_inside_the_range(scale, zero, values):
    spec = TensorSpec("x", (len(values),), np.dtype(np.int8), (scale, zero))
    x = np.asarray(values, np.float32)
    q = quantize(x, spec)
    assert q.dtype == np.int8
    back = dequantize(q, spec)
    lo, hi = (-128 - zero) * scale, (127 - zero) * scale
    inside = (x >= lo) & (x <= hi)
    eps = 1e-4  # float32 arithmetic
    assert np.all(np.abs(back[inside] - x[inside]) <= scale / 2 + eps)
    assert np.all(back[~inside] >= lo - eps) and np.all(back[~inside] <= hi + eps)  # saturated


def test_float_specs_pass_values_through():
    spec = TensorSpec("x", (3,), np.dtype(np.float32))
    x = np.array([0.5, -2.0, 300.0], np.float32)
    assert np.array_equal(quantize(x, spec), x) and np.array_equal(dequantize(x, spec), x)


def test_backend_by_suffix_and_clear_errors(tmp_path):
    assert backend_for("m.tflite") == "litert" and backend_for("m.onnx") == "onnxruntime" and backend_for("m.xml") == "openvino"
    with pytest.raises(EdgeposeError, match="unknown model format '.pt'"):
        backend_for("m.pt")
    with pytest.raises(EdgeposeError, match="backend 'openvino' cannot read m.tflite"):
        backend_for("m.tflite", "openvino")
    with pytest.raises(EdgeposeError, match="model file not found"):
        open_model(tmp_path / "none.onnx")
    assert display_name("a/128x96/model.xml") == "128x96/model.xml" and display_name("a/b/m.tflite") == "m.tflite"


def test_litert_model_invoke_raw_matches_invoke_dequantized():
    if not PRETRAINED.is_file():
        pytest.skip("shipped model absent")
    m = open_model(PRETRAINED)
    shape = tuple(m.inputs[0].shape)
    assert m.backend == "litert" and len(shape) == 4 and shape[0] == 1 and shape[3] == 3 and m.outputs[0].quantized
    x = np.random.default_rng(0).integers(0, 256, shape).astype(np.float32)
    raw = m.invoke_raw(m.quantize_input(x))[0]
    assert raw.dtype == np.int8
    assert np.array_equal(dequantize(raw, m.outputs[0]), m.invoke(x)[0])
    with pytest.raises(EdgeposeError, match="takes shape"):
        m.invoke_raw(np.zeros((1, 64, 64, 3), np.int8))


def _tiny_heatmap_onnx(path: Path, h: int = 64, w: int = 48, opset: int = 13) -> np.ndarray:
    """NCHW float model: image [1, 3, h, w] -> 17 heatmaps [1, 17, h/4, w/4] (one 4x4/4 conv + sigmoid)."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    weights = np.random.default_rng(1).normal(0, 0.3, (17, 3, 4, 4)).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("Conv", ["image", "W"], ["z"], kernel_shape=[4, 4], strides=[4, 4]),
            helper.make_node("Sigmoid", ["z"], ["heatmaps"]),
        ],
        "tiny",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, h, w])],
        [helper.make_tensor_value_info("heatmaps", TensorProto.FLOAT, [1, 17, h // 4, w // 4])],
        [numpy_helper.from_array(weights, "W")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return weights


def test_onnx_heatmap_model_needs_its_contract_and_runs_with_it(tmp_path):
    pytest.importorskip("onnxruntime")
    from edgepose.runtime import open_pose_model

    path = tmp_path / "tiny.onnx"
    _tiny_heatmap_onnx(path)
    with pytest.raises(EdgeposeError, match="normalization and codec cannot be read from the file.*pass `normalization`"):
        open_pose_model(path)
    est = open_pose_model(path, normalization="imagenet", codec="msra")
    assert est.contract.layout == "NCHW" and est.contract.input_size == (48, 64) and est.contract.heatmap_size == (12, 16)
    assert est.contract.sources["codec"] == "caller"
    crop = np.random.default_rng(2).integers(0, 256, (64, 48, 3), dtype=np.uint8)
    x = ((crop.astype(np.float32) / 255 - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225]).transpose(2, 0, 1)[None]
    expected = open_model(path).invoke(x.astype(np.float32))[0][0].transpose(1, 2, 0)
    np.testing.assert_allclose(est.heatmaps(crop), expected, atol=1e-6)
    pose = est.predict(np.zeros((100, 80, 3), np.uint8), [[10, 10, 40, 60]])[0]
    assert pose.keypoints.shape == (17, 2)


def test_openvino_ir_gives_the_onnx_heatmaps_and_reads_a_paddle_config(tmp_path):
    ov = pytest.importorskip("openvino")
    pytest.importorskip("onnxruntime")
    from edgepose.runtime import open_pose_model

    onnx_path = tmp_path / "tiny.onnx"
    _tiny_heatmap_onnx(onnx_path)
    ir = tmp_path / "ir" / "model.xml"
    ir.parent.mkdir()
    ov.save_model(ov.convert_model(str(onnx_path)), str(ir), compress_to_fp16=False)
    (ir.parent / "infer_cfg.yml").write_text(
        "mode: paddle\nPreprocess:\n- is_scale: true\n  mean:\n  - 0.485\n  - 0.456\n  - 0.406\n  std:\n  - 0.229\n"
        "  - 0.224\n  - 0.225\n  type: NormalizeImage\n"
    )
    est_ir = open_pose_model(ir)  # contract from infer_cfg.yml: ImageNet normalisation, msra codec
    assert est_ir.contract.normalization == "imagenet" and est_ir.contract.codec == "msra"
    est_onnx = open_pose_model(onnx_path, normalization="imagenet", codec="msra")
    crop = np.random.default_rng(3).integers(0, 256, (64, 48, 3), dtype=np.uint8)
    np.testing.assert_allclose(est_ir.heatmaps(crop), est_onnx.heatmaps(crop), atol=1e-5)
    with pytest.raises(EdgeposeError, match="`normalization` .raw. contradicts the infer_cfg.yml"):
        open_pose_model(ir, normalization="raw")


def test_kinds_table_names_every_contract_for_an_unknown_model(tmp_path):
    pytest.importorskip("onnxruntime")
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    from edgepose.runtime import open_pose_model

    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 5])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 5])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(tmp_path / "relu.onnx"))
    with pytest.raises(EdgeposeError, match="not a supported pose model.*MoveNet.*heatmaps"):
        open_pose_model(tmp_path / "relu.onnx")


def test_a_teacher_without_its_runtime_is_one_line(tmp_path):
    """OpenVINO/ONNX Runtime are optional extras: without them, one line that says what to install."""
    import subprocess
    import sys

    (tmp_path / "model.xml").write_text("<net/>")
    (tmp_path / "model.bin").write_bytes(b"")
    (tmp_path / "m.onnx").write_bytes(b"")
    for blocked, model in (("openvino", "model.xml"), ("onnxruntime", "m.onnx")):
        code = (
            f"import sys; sys.modules[{blocked!r}] = None; sys.argv = ['edgepose', 'predict', {str(tmp_path / model)!r}, "
            f"{str(tmp_path)!r}, '--out', {str(tmp_path / 'out')!r}]; from edgepose.cli import main; main()"
        )
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        assert r.returncode == 1 and len(lines) == 1, r.stderr
        extra = "onnx" if blocked == "onnxruntime" else "openvino"
        assert "its runtime is missing" in lines[0] and f"edgepose[{extra}]" in lines[0]
