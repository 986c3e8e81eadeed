"""Legacy ONNX (IR 3, opset 8, initializers as graph inputs, BatchNormalization ``spatial``) is
upgraded for onnx2tf and then converts like a modern file (tests/legacy_onnx.py builds them)."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from legacy_onnx import tiny_legacy_pose  # noqa: E402

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
