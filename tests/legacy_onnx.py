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


def _ir3_model(name: str, nodes: list, inits: list, input_shape: list[int], output_shape: list[int], producer: str):
    """An IR 3 / opset 8 model: input ``data`` and output ``heatmaps`` (float), every initializer
    also listed as a graph input (the IR 3 habit); checked with ``onnx.checker``."""
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info("data", TensorProto.FLOAT, input_shape)]
        + [helper.make_tensor_value_info(i.name, i.data_type, list(i.dims)) for i in inits],
        [helper.make_tensor_value_info("heatmaps", TensorProto.FLOAT, output_shape)],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 8)], producer_name=producer)
    model.ir_version = 3
    onnx.checker.check_model(model)
    return model


def tiny_legacy_pose(size: tuple[int, int] = (32, 24), keypoints: int = 17, spatial: int = 1, seed: int = 0):
    """A tiny NCHW heatmap network written directly at IR 3 / opset 8: Conv -> BatchNormalization
    (``spatial``) -> Relu -> Conv(stride 2) -> Relu -> Upsample(x2, opset-8 ``scales`` attribute) ->
    Conv to ``keypoints`` heatmaps at 1/2 the input; every initializer is also a graph input."""
    from onnx import helper, numpy_helper

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
    return _ir3_model("legacy_pose", nodes, inits, [1, 3, h, w], [1, keypoints, h // 2, w // 2], "legacy-fixture")


def legacy_mobilenet_pose(
    size: tuple[int, int] = (128, 96),
    keypoints: int = 17,
    width: float = 0.25,
    seed: int = 0,
    spatial: int = 1,
    projection_gamma: float = 1.0,
    peak_gain: float = 0.0,
):
    """The shape of a legacy pose model people use (a MobileNetV2 "simple baseline" exported by an old
    PyTorch at IR 3 / opset 8): Conv -> BatchNormalization(``spatial``) -> Clip(0, 6) (ReLU6, min/max
    as attributes), inverted residual blocks with depthwise (``group``) convolutions and Add,
    then 3 x (ConvTranspose(4, stride 2, pads 1, no bias) -> BatchNormalization -> Relu) and a 1x1
    Conv to ``keypoints`` heatmaps at 1/4 of the input. MobileNetV2's 17 blocks at ``width``: 34 Clip,
    54 BatchNormalization; initializers are also graph inputs. NCHW, random weights;
    ``projection_gamma`` scales each block's last BatchNormalization (trained residual networks keep
    those small, and a small value keeps a random deep network from amplifying rounding noise).
    ``peak_gain`` > 0 adds AveragePool(4) of the input through a positive 1x1 Conv to the heatmaps:
    peaks where the crop is bright, as a trained model's heatmaps peak where the joint is (a random
    network's maps are flat, and their argmax moves with any rounding)."""
    from onnx import helper, numpy_helper

    h, w = size
    rng = np.random.default_rng(seed)
    inits: list = []
    nodes: list = []
    counter = {"n": 0}

    def name(prefix: str) -> str:
        counter["n"] += 1
        return f"{prefix}{counter['n']}"

    def param(value: np.ndarray) -> str:
        n = name("p")
        inits.append(numpy_helper.from_array(value.astype(np.float32), n))
        return n

    def conv(x: str, cin: int, cout: int, k: int = 1, stride: int = 1, group: int = 1) -> str:
        wt = param(rng.normal(0, (2.0 / (k * k * cin / group)) ** 0.5, (cout, cin // group, k, k)))
        out = name("conv")
        nodes.append(helper.make_node("Conv", [x, wt], [out], kernel_shape=[k, k], pads=[k // 2] * 4,
                                      strides=[stride, stride], group=group, dilations=[1, 1]))  # fmt: skip
        return out

    def bn(x: str, c: int, gamma: float = 1.0) -> str:
        ps = [param(gamma * rng.uniform(0.5, 1.5, c)), param(rng.normal(0, 0.1, c)), param(rng.normal(0, 0.1, c)),
              param(rng.uniform(0.5, 2.0, c))]  # fmt: skip
        out = name("bn")
        nodes.append(helper.make_node("BatchNormalization", [x, *ps], [out], epsilon=1e-5, momentum=0.9, spatial=spatial))
        return out

    def relu6(x: str) -> str:
        out = name("clip")
        nodes.append(helper.make_node("Clip", [x], [out], min=0.0, max=6.0))
        return out

    def ch(c: int) -> int:
        return max(8, int(c * width + 4) // 8 * 8)

    x = relu6(bn(conv("data", 3, ch(32), 3, 2), ch(32)))
    cin = ch(32)
    settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
    for t, c, n, s in settings:
        cout = ch(c)
        for i in range(n):
            stride = s if i == 0 else 1
            hidden = cin * t
            y = x
            if t != 1:
                y = relu6(bn(conv(y, cin, hidden), hidden))
            y = relu6(bn(conv(y, hidden, hidden, 3, stride, group=hidden), hidden))
            y = bn(conv(y, hidden, cout), cout, gamma=projection_gamma)
            if stride == 1 and cin == cout:
                out = name("add")
                nodes.append(helper.make_node("Add", [x, y], [out]))
                y = out
            x, cin = y, cout
    for _ in range(3):  # the simple-baseline head: deconvolutions up to 1/4 of the input
        cout = ch(256)
        wt = param(rng.normal(0, 0.05, (cin, cout, 4, 4)))
        out = name("deconv")
        nodes.append(helper.make_node("ConvTranspose", [x, wt], [out], kernel_shape=[4, 4], strides=[2, 2], pads=[1, 1, 1, 1]))
        relu = name("relu")
        nodes.append(helper.make_node("Relu", [bn(out, cout)], [relu]))
        x, cin = relu, cout
    wt, b = param(rng.normal(0, 0.05, (keypoints, cin, 1, 1))), param(rng.normal(0, 0.01, keypoints))
    head = "heatmaps" if peak_gain <= 0 else "net_heatmaps"
    nodes.append(helper.make_node("Conv", [x, wt, b], [head], kernel_shape=[1, 1]))
    if peak_gain > 0:
        nodes.append(helper.make_node("AveragePool", ["data"], ["pooled"], kernel_shape=[4, 4], strides=[4, 4]))
        wp = param(peak_gain * rng.uniform(0.2, 0.5, (keypoints, 3, 1, 1)))
        nodes.append(helper.make_node("Conv", ["pooled", wp], ["peaks"], kernel_shape=[1, 1]))
        nodes.append(helper.make_node("Add", [head, "peaks"], ["heatmaps"]))
    return _ir3_model("legacy_mobilenet_pose", nodes, inits, [1, 3, h, w], [1, keypoints, h // 4, w // 4], "pytorch")


def calibrate_batchnorm(model, images_nchw: np.ndarray):
    """A copy of ``model`` whose BatchNormalization running mean/var are the statistics of their
    inputs on ``images_nchw`` (float32 ``[N, 3, H, W]``), set layer by layer from the input on, as a
    trained network's are: activations stay normalised instead of growing or vanishing through
    the random layers. Needs onnxruntime."""
    import onnx
    import onnxruntime as ort
    from onnx import helper, numpy_helper

    m = onnx.ModelProto()
    m.CopyFrom(model)
    inits = {i.name: i for i in m.graph.initializer}
    data = m.graph.input[0].name
    for node in [n for n in m.graph.node if n.op_type == "BatchNormalization"]:
        probe = onnx.ModelProto()
        probe.CopyFrom(m)
        probe.graph.output.extend([helper.make_tensor_value_info(node.input[0], onnx.TensorProto.FLOAT, None)])
        session = ort.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"])
        x = np.concatenate([session.run([node.input[0]], {data: im[None].astype(np.float32)})[0] for im in images_nchw])
        axes = (0, 2, 3)
        stats = {node.input[3]: x.mean(axes), node.input[4]: x.var(axes) + 1e-3}
        for name, value in stats.items():
            old = numpy_helper.to_array(inits[name])
            new = numpy_helper.from_array(np.broadcast_to(value.reshape((-1,) + (1,) * (old.ndim - 1)), old.shape)
                                          .astype(np.float32), name)  # fmt: skip
            inits[name].CopyFrom(new)
    return m


def with_spatial(model, spatial: int):
    """A copy whose BatchNormalization nodes carry ``spatial`` (parameters unchanged): ``spatial=0`` with
    per-channel ``[C]`` parameters is how MXNet/GluonCV exports wrote every batch norm."""
    import onnx

    m = onnx.ModelProto()
    m.CopyFrom(model)
    for node in m.graph.node:
        if node.op_type == "BatchNormalization":
            for a in node.attribute:
                if a.name == "spatial":
                    a.i = spatial
    return m
