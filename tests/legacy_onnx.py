"""Legacy ONNX fixtures (IR 3, opset 8, initializers listed as graph inputs, BatchNormalization
with ``spatial``), the form MXNet/GluonCV, old PyTorch and Paddle exports take. Built with
``onnx.helper``; used by tests/test_onnx_legacy.py and benchmarks/legacy_onnx.py."""

from __future__ import annotations

import numpy as np


def as_ir3(model, bn_after_first_conv: bool = True):
    """A copy of ``model`` rewritten the way an IR 3 exporter writes it: ``ir_version`` 3, every
    initializer also a graph input, and (``bn_after_first_conv``) the first Conv's bias moved into a
    BatchNormalization(spatial=1) with the same result (scale 1, mean 0, var 1 - eps)."""
    import onnx
    from onnx import helper, numpy_helper

    m = onnx.ModelProto()
    m.CopyFrom(model)
    m.ir_version = 3
    del m.opset_import[:]
    m.opset_import.extend([helper.make_opsetid("", min(8, model.opset_import[0].version))])
    if bn_after_first_conv:
        conv = next(n for n in m.graph.node if n.op_type == "Conv" and len(n.input) == 3)
        inits = {i.name: i for i in m.graph.initializer}
        bias = numpy_helper.to_array(inits[conv.input[2]]).astype(np.float32)
        c = bias.shape[0]
        eps = 1e-3
        params = {"scale": np.ones(c), "B": bias, "mean": np.zeros(c), "var": np.full(c, 1 - eps)}
        names = [f"legacy_bn_{k}" for k in params]
        m.graph.initializer.extend(numpy_helper.from_array(v.astype(np.float32), n) for n, v in zip(names, params.values()))
        out = conv.output[0]
        conv.output[0] = f"{out}__pre_bn"
        del conv.input[2]
        bn = helper.make_node("BatchNormalization", [conv.output[0], *names], [out], name="legacy_bn",
                              epsilon=eps, spatial=1)  # fmt: skip
        index = list(m.graph.node).index(conv)
        m.graph.node.insert(index + 1, bn)
    inputs = {i.name for i in m.graph.input}
    m.graph.input.extend(
        helper.make_tensor_value_info(i.name, i.data_type, list(i.dims)) for i in m.graph.initializer if i.name not in inputs
    )
    return m


def tiny_legacy_pose(size: tuple[int, int] = (32, 24), keypoints: int = 17, spatial: int = 1, seed: int = 0):
    """A tiny NCHW heatmap network written directly at IR 3 / opset 8: Conv -> BatchNormalization
    (``spatial``) -> Relu -> Conv(stride 2) -> Relu -> Upsample(x2, opset-8 ``scales`` attribute) ->
    Conv to ``keypoints`` heatmaps at 1/2 the input; every initializer is also a graph input."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    h, w = size
    rng = np.random.default_rng(seed)
    p = {
        "w1": rng.normal(0, 0.3, (8, 3, 3, 3)),
        "b1": rng.normal(0, 0.1, 8),
        "w2": rng.normal(0, 0.2, (16, 8, 3, 3)),
        "w3": rng.normal(0, 0.2, (keypoints, 16, 1, 1)),
    }
    if spatial:
        bn = {"s": rng.uniform(0.5, 1.5, 8), "bb": rng.normal(0, 0.1, 8), "m": rng.normal(0, 0.1, 8), "v": rng.uniform(0.5, 2, 8)}
    else:  # per activation: parameters shaped [C, H, W]
        shape = (8, h, w)
        bn = {"s": rng.uniform(0.5, 1.5, shape), "bb": rng.normal(0, 0.1, shape), "m": rng.normal(0, 0.1, shape),
              "v": rng.uniform(0.5, 2, shape)}  # fmt: skip
    p.update(bn)
    inits = [numpy_helper.from_array(v.astype(np.float32), k) for k, v in p.items()]
    nodes = [
        helper.make_node("Conv", ["data", "w1", "b1"], ["c1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], name="conv1"),
        helper.make_node(
            "BatchNormalization", ["c1", "s", "bb", "m", "v"], ["n1"], epsilon=1e-5, spatial=spatial, name="bn1"
        ),  # fmt: skip
        helper.make_node("Relu", ["n1"], ["r1"], name="relu1"),
        helper.make_node("Conv", ["r1", "w2"], ["c2"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2], name="conv2"),
        helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
        helper.make_node("Upsample", ["r2"], ["u2"], mode="nearest", scales=[1.0, 1.0, 2.0, 2.0], name="up"),
        helper.make_node("Conv", ["u2", "w3"], ["heatmaps"], kernel_shape=[1, 1], strides=[2, 2], name="head"),
    ]
    graph = helper.make_graph(
        nodes,
        "legacy_pose",
        [helper.make_tensor_value_info("data", TensorProto.FLOAT, [1, 3, h, w])]
        + [helper.make_tensor_value_info(i.name, i.data_type, list(i.dims)) for i in inits],
        [helper.make_tensor_value_info("heatmaps", TensorProto.FLOAT, [1, keypoints, h // 2, w // 2])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 8)], producer_name="legacy-fixture")
    model.ir_version = 3
    onnx.checker.check_model(model)
    return model
