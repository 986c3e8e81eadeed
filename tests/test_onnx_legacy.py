"""Legacy ONNX (IR 3, opset 8, initializers as graph inputs, BatchNormalization ``spatial``) is
upgraded for onnx2tf and then converts like a modern file (tests/legacy_onnx.py builds them)."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from legacy_onnx import legacy_mobilenet_pose, tiny_legacy_pose, with_spatial  # noqa: E402

from converters.onnx_legacy import TARGET_OPSET, default_opset, is_legacy, modernize  # noqa: E402
from edgepose.errors import EdgeposeError  # noqa: E402


def _run(model, x):
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    session = ort.InferenceSession(model.SerializeToString(), sess_options=opts, providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: x})[0]


@pytest.mark.parametrize("spatial", [1, 0])
def test_legacy_file_is_upgraded_and_computes_the_same(spatial):
    legacy = tiny_legacy_pose(spatial=spatial)
    before = legacy.SerializeToString()
    assert is_legacy(legacy) and legacy.ir_version == 3 and default_opset(legacy) == 8
    modern, notes = modernize(legacy)
    assert legacy.SerializeToString() == before  # the input model is not modified
    assert not is_legacy(modern) and default_opset(modern) == TARGET_OPSET and modern.ir_version >= 4
    onnx.checker.check_model(modern)
    inits = {i.name for i in modern.graph.initializer}
    assert not any(i.name in inits for i in modern.graph.input)
    ops = [n.op_type for n in modern.graph.node]
    assert "Upsample" not in ops and "Resize" in ops
    if spatial:
        bn = next(n for n in modern.graph.node if n.op_type == "BatchNormalization")
        assert not {a.name for a in bn.attribute} & {"spatial", "is_test", "consumed_inputs"}
    else:
        assert "BatchNormalization" not in ops and {"Mul", "Add"} <= set(ops)
    assert any("initializers" in n for n in notes) and any(f"opset 8 -> {TARGET_OPSET}" in n for n in notes)
    x = np.random.default_rng(1).uniform(-1, 1, (1, 3, 32, 24)).astype(np.float32)
    np.testing.assert_allclose(_run(modern, x), _run(legacy, x), atol=1e-5)


def test_ir3_without_initializer_inputs_is_accepted():
    # what onnxslim writes from a legacy file: IR 3 but initializers no longer inputs (onnx.checker refuses it)
    legacy = tiny_legacy_pose()
    inits = {i.name for i in legacy.graph.initializer}
    keep = [i for i in legacy.graph.input if i.name not in inits]
    del legacy.graph.input[:]
    legacy.graph.input.extend(keep)
    with pytest.raises(Exception, match="initializer but not in graph input"):
        onnx.checker.check_model(legacy)
    modern, _ = modernize(legacy)
    onnx.checker.check_model(modern)


def test_a_model_that_cannot_be_upgraded_gets_one_line_with_the_fix():
    legacy = tiny_legacy_pose()
    legacy.graph.node[2].op_type = "NoSuchOp"
    with pytest.raises(EdgeposeError, match=r"cannot upgrade .* opset 8 .*re-export it with opset >= 11") as err:
        modernize(legacy)
    assert "\n" not in str(err.value)


def test_modern_models_pass_through_untouched():
    modern, _ = modernize(tiny_legacy_pose())
    again, notes = modernize(modern)
    assert again is modern and notes == []


@pytest.mark.slow
def test_legacy_pose_network_converts_end_to_end_and_matches_onnxruntime(tmp_path):
    pytest.importorskip("onnx2tf")
    from converters.onnx_tflite import convert_onnx

    src = tmp_path / "legacy.onnx"
    onnx.save(tiny_legacy_pose(size=(32, 24)), str(src))
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    rng = np.random.default_rng(0)
    crops = rng.integers(0, 256, (8, 32, 24, 3), dtype=np.uint8)
    fp32 = convert_onnx(src, tmp_path / "legacy_fp32.tflite", "fp32", calib=crops, mean=(0.5,) * 3, std=(0.25,) * 3)
    int8 = convert_onnx(src, tmp_path / "legacy_int8.tflite", "int8", calib=crops, mean=(0.5,) * 3, std=(0.25,) * 3, codec="msra")
    assert hashlib.sha256(src.read_bytes()).hexdigest() == digest
    # --codec embeds a contract every reader follows; without it the file has none (gaussian assumed)
    from edgepose.engine.metadata import read_metadata
    from edgepose.runtime import PoseEstimator

    assert read_metadata(tmp_path / "legacy_fp32.tflite") is None and fp32["codec"] is None
    contract = read_metadata(tmp_path / "legacy_int8.tflite")
    assert contract["output"]["codec"]["name"] == "msra" and contract["about"]["converted_from"] == "legacy.onnx"
    assert contract["model"] == "legacy_int8"
    est = PoseEstimator(tmp_path / "legacy_int8.tflite")
    assert est.contract.codec == "msra" and est.contract.identity_normalization
    assert fp32["legacy_notes"] and fp32["reference"] == "original"
    assert fp32["compare"]["max_abs_error"] < 1e-4 and fp32["compare"]["keypoint_agreement"] == 1.0
    assert int8["verify"]["inputs"][0]["dtype"] == "int8" and not int8["verify"]["float_ops"]
    assert int8["compare"]["keypoint_agreement"] >= 0.8


def test_spatial0_with_per_channel_parameters_is_read_per_channel():
    """MXNet/GluonCV exports write spatial=0 with [C] parameters; onnxruntime computes them per
    channel. Folding them into Mul + Add broadcast [C] over the width, and onnx2tf then failed with
    'Exception encountered when calling layer "tf.math.multiply_1"' (issue 27)."""
    legacy = with_spatial(legacy_mobilenet_pose(size=(64, 64), projection_gamma=0.1), 0)
    assert sum(n.op_type == "Clip" for n in legacy.graph.node) == 34
    assert sum(n.op_type == "ConvTranspose" for n in legacy.graph.node) == 3
    modern, notes = modernize(legacy)
    assert any("spatial=0 but per-channel" in n for n in notes)
    assert not any(n.op_type == "Mul" for n in modern.graph.node)  # nothing folded into a broadcast Mul
    x = np.random.default_rng(1).normal(size=(1, 3, 64, 64)).astype(np.float32)
    np.testing.assert_allclose(_run(modern, x), _run(legacy, x), atol=1e-4)


def test_dynamic_batch_is_fixed_to_one():
    from converters.onnx_tflite import with_batch_one

    model = legacy_mobilenet_pose(size=(64, 64))
    model.graph.input[0].type.tensor_type.shape.dim[0].dim_param = "N"
    model.graph.output[0].type.tensor_type.shape.dim[0].dim_param = "N"
    fixed = with_batch_one(model)
    assert fixed.graph.input[0].type.tensor_type.shape.dim[0].dim_value == 1
    assert fixed.graph.output[0].type.tensor_type.shape.dim[0].dim_value == 1
    assert model.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "N"  # the input is not modified
    static = legacy_mobilenet_pose(size=(64, 64))
    assert with_batch_one(static) is static


@pytest.mark.slow
def test_legacy_mobilenet_shape_converts_to_int8_within_one_heatmap_pixel(tmp_path):
    """The real-world legacy file's shape (IR 3 / opset 8, ConvTranspose x3, Clip x34, spatial=0
    BatchNormalization with [C] parameters, initializers as inputs, a dynamic batch) through the
    whole int8 path, compared with onnxruntime on the original file. Its weights are random but
    conditioned like a trained network's (small last batch-norm scale per block, heatmaps that peak
    where the crop is bright: see legacy_mobilenet_pose)."""
    pytest.importorskip("onnx2tf")
    import cv2

    from converters.onnx_tflite import convert_onnx

    model = with_spatial(legacy_mobilenet_pose(projection_gamma=0.1, peak_gain=0.3), 0)
    model.graph.input[0].type.tensor_type.shape.dim[0].dim_param = "N"
    model.graph.output[0].type.tensor_type.shape.dim[0].dim_param = "N"
    src = tmp_path / "legacy_mobilenet.onnx"
    onnx.save(model, str(src))
    rng = np.random.default_rng(0)
    crops = np.stack(
        [cv2.resize(rng.integers(0, 256, (8, 6, 3), dtype=np.uint8), (96, 128), interpolation=cv2.INTER_CUBIC) for _ in range(32)]
    )
    imagenet = dict(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225))
    fp32 = convert_onnx(src, tmp_path / "fp32.tflite", "fp32", calib=crops, **imagenet)
    int8 = convert_onnx(src, tmp_path / "int8.tflite", "int8", calib=crops, **imagenet)
    assert fp32["reference"] == "original" and fp32["compare"]["keypoint_agreement"] == 1.0
    assert fp32["compare"]["max_abs_error"] < 1e-3
    assert int8["compare"]["keypoint_agreement"] >= 0.9, int8["compare"]
