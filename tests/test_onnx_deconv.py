"""Grouped and depthwise ConvTranspose lowered exactly (issue 33): onnxruntime before == after."""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def _model(c_in: int, c_out: int, group: int, k: int, s: int, pads: list[int], out_pad: list[int], hw=(6, 5), bias=True):
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(c_in * 31 + k)
    w = rng.normal(size=(c_in, c_out // group, k, k)).astype(np.float32)
    inits = [numpy_helper.from_array(w, "w")]
    inputs = ["x", "w"]
    if bias:
        inits.append(numpy_helper.from_array(rng.normal(size=c_out).astype(np.float32), "b"))
        inputs.append("b")
    node = helper.make_node("ConvTranspose", inputs, ["y"], group=group, kernel_shape=[k, k], strides=[s, s], pads=pads,
                            output_padding=out_pad)  # fmt: skip
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c_in, *hw])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", "c", "h", "w"])], inits,
    )  # fmt: skip
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=7)


def _run(model, x):
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, {"x": x})[0]


@pytest.mark.parametrize(
    "c_in,c_out,group,k,s,pads,out_pad",
    [
        (8, 8, 8, 4, 2, [1, 1, 1, 1], [0, 0]),  # SimpleBaseline-MobileNetV2's depthwise deconvolution
        (8, 6, 2, 3, 2, [1, 1, 1, 1], [1, 1]),  # grouped, odd kernel, output padding
        (4, 4, 4, 2, 2, [0, 0, 0, 0], [0, 0]),  # negative end padding: trimmed by a Slice
        (6, 6, 3, 5, 3, [2, 1, 2, 1], [0, 0]),  # stride 3, asymmetric pads
    ],
)
def test_lowering_is_exact(c_in, c_out, group, k, s, pads, out_pad):
    from converters.onnx_deconv import lower_grouped_conv_transpose

    model = _model(c_in, c_out, group, k, s, pads, out_pad)
    lowered, notes = lower_grouped_conv_transpose(model)
    assert [n.op_type for n in lowered.graph.node if n.op_type == "ConvTranspose"] == []
    assert "lowered 1 grouped" in notes[0]
    onnx.checker.check_model(lowered)
    x = np.random.default_rng(1).normal(size=(1, c_in, 6, 5)).astype(np.float32)
    want, got = _run(model, x), _run(lowered, x)
    assert want.shape == got.shape
    assert np.abs(want - got).max() < 1e-4


def test_plain_conv_transpose_is_left_alone():
    from converters.onnx_deconv import lower_grouped_conv_transpose

    model = _model(4, 4, 1, 4, 2, [1, 1, 1, 1], [0, 0])
    same, notes = lower_grouped_conv_transpose(model)
    assert same is model and notes == []
