"""ONNX graph surgery that makes a detector quantize well, each step exact in float.

* :func:`person_heads` (YOLOX): the graph ends at the raw head tensors of each stride instead of
  the decoded, concatenated ``[1, A, 5 + C]`` output: per stride a box tensor ``[1, 4, h, w]``
  (x, y, log w, log h, raw) and a score tensor ``[1, 2, h, w]`` (objectness logit, person logit),
  the class head cut to the person class. Boxes and scores get their own int8 ranges, logits keep
  precision at low probabilities, and sigmoid, grid and exp move to numpy
  (:class:`edgepose.runtime.detectors.YoloxHeadsDetector`).
* :func:`split_imbalanced_channels`: a convolution whose SiLU output channels differ in magnitude
  by orders (YOLOX's stem on raw 0..255 pixels: per-channel p99.99 from 0.03 to 91) shares one
  per-tensor int8 step, so its small channels round to zero. When that output feeds a depthwise
  convolution + SiLU (per-channel arithmetic), the chain is split into channel groups of similar
  magnitude, each with its own range, and concatenated after the depthwise SiLU, where the
  magnitudes are even again; the consumers' weights are permuted to the new channel order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from edgepose.errors import EdgeposeError


def _producers(graph) -> dict[str, Any]:
    return {o: n for n in graph.node for o in n.output}


def _consumers(graph) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for n in graph.node:
        for i in n.input:
            out.setdefault(i, []).append(n)
    return out


def _attr(node, name, default=None):
    import onnx

    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


def _const(model, name: str) -> np.ndarray | None:
    """The value of a constant tensor (an initializer or a Constant node), or None."""
    from onnx import numpy_helper

    for i in model.graph.initializer:
        if i.name == name:
            return numpy_helper.to_array(i)
    for n in model.graph.node:  # Constant nodes
        if n.op_type == "Constant" and n.output[0] == name:
            return numpy_helper.to_array(n.attribute[0].t)
    return None


def _copy(message):
    """A detached copy of a protobuf message (deleting a repeated field's items clears them)."""
    out = type(message)()
    out.CopyFrom(message)
    return out


def _prune(model) -> None:
    """Drops nodes and initializers that no graph output depends on (in place)."""
    g = model.graph
    needed = {o.name for o in g.output}
    kept = []
    for n in reversed(list(g.node)):
        if any(o in needed for o in n.output):
            kept.append(_copy(n))
            needed.update(n.input)
    del g.node[:]
    g.node.extend(reversed(kept))
    used = {i for n in g.node for i in n.input}
    inits = [_copy(i) for i in g.initializer if i.name in used]
    del g.initializer[:]
    g.initializer.extend(inits)


def yolox_levels(model) -> list[tuple[str, str, str]]:
    """``[(box, objectness logit, class logits)]`` tensor names per stride of a YOLOX export whose
    output is ``Transpose(Concat(Reshape(Concat(box, Sigmoid(obj), Sigmoid(cls)))...))``."""
    g = model.graph
    prod = _producers(g)
    try:
        node = prod[g.output[0].name]
        while node.op_type in ("Transpose", "Reshape"):
            node = prod[node.input[0]]
        if node.op_type != "Concat":
            raise KeyError(node.op_type)
        levels = []
        for name in node.input:
            lc = prod[name]
            while lc.op_type in ("Reshape", "Flatten", "Transpose"):
                lc = prod[lc.input[0]]
            box, obj, cls = lc.input
            if lc.op_type != "Concat" or prod[obj].op_type != "Sigmoid" or prod[cls].op_type != "Sigmoid":
                raise KeyError(lc.op_type)
            levels.append((box, prod[obj].input[0], prod[cls].input[0]))
        return levels
    except (KeyError, IndexError, ValueError) as exc:
        raise EdgeposeError(
            f"not a YOLOX export: its output is not the per-stride concatenation of boxes, sigmoid(objectness) and "
            f"sigmoid(classes) ({exc})"
        ) from None


def person_heads(model, person_class: int = 0):
    """A copy of a YOLOX ONNX model ending at per-stride ``boxes_i [1, 4, h, w]`` and
    ``scores_i [1, 2, h, w]`` (objectness logit, ``person_class`` logit), strides in order."""
    import onnx
    from onnx import helper, numpy_helper

    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    prod = _producers(g)
    inits = {i.name: i for i in g.initializer}
    outputs = []
    for k, (box, obj, cls) in enumerate(yolox_levels(m)):
        conv = prod[cls]
        if conv.op_type != "Conv" or conv.input[1] not in inits:
            raise EdgeposeError(f"the class head of stride {k} is not a Conv with constant weights")
        w = numpy_helper.to_array(inits[conv.input[1]])
        if not 0 <= person_class < w.shape[0]:
            raise EdgeposeError(f"`person_class` {person_class} is not one of the model's {w.shape[0]} classes")
        inits[conv.input[1]].CopyFrom(numpy_helper.from_array(w[person_class : person_class + 1], conv.input[1]))
        if len(conv.input) > 2 and conv.input[2] in inits:
            b = numpy_helper.to_array(inits[conv.input[2]])
            inits[conv.input[2]].CopyFrom(numpy_helper.from_array(b[person_class : person_class + 1], conv.input[2]))
        g.node.append(helper.make_node("Identity", [box], [f"boxes_{k}"], name=f"boxes_{k}"))
        g.node.append(helper.make_node("Concat", [obj, cls], [f"scores_{k}"], axis=1, name=f"scores_{k}"))
        outputs += [f"boxes_{k}", f"scores_{k}"]
    del g.output[:]
    for name in outputs:
        g.output.append(helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    _prune(m)
    del g.value_info[:]
    return onnx.shape_inference.infer_shapes(m)


def _silu_after(graph, tensor: str):
    """``(sigmoid, mul)`` when ``tensor`` is consumed only by ``Mul(tensor, Sigmoid(tensor))``."""
    cons = _consumers(graph).get(tensor, [])
    if len(cons) != 2 or sorted(n.op_type for n in cons) != ["Mul", "Sigmoid"]:
        return None
    sig = next(n for n in cons if n.op_type == "Sigmoid")
    mul = next(n for n in cons if n.op_type == "Mul")
    return (sig, mul) if set(mul.input) == {tensor, sig.output[0]} else None


def silu_conv_chains(model) -> list[dict[str, Any]]:
    """Every ``Conv -> SiLU -> depthwise Conv -> SiLU`` chain whose final output feeds only
    ordinary (group 1) convolutions: ``{"conv", "dw", "silu_out", "out", "consumers"}``."""
    g = model.graph
    cons = _consumers(g)
    inits = {i.name for i in g.initializer}
    chains = []
    for conv in g.node:
        if conv.op_type != "Conv" or _attr(conv, "group", 1) != 1 or conv.input[1] not in inits:
            continue
        first = _silu_after(g, conv.output[0])
        if first is None:
            continue
        users = cons.get(first[1].output[0], [])
        if len(users) != 1 or users[0].op_type != "Conv" or users[0].input[1] not in inits:
            continue
        dw = users[0]
        second = _silu_after(g, dw.output[0])
        if second is None:
            continue
        finals = cons.get(second[1].output[0], [])
        if not finals or any(n.op_type != "Conv" or _attr(n, "group", 1) != 1 or n.input[1] not in inits for n in finals):
            continue
        channels = len(_const(model, conv.input[1]))
        if _attr(dw, "group", 1) != channels:
            continue
        chains.append({"conv": conv, "dw": dw, "silu_out": first[1].output[0], "out": second[1].output[0], "consumers": finals})
    return chains


def channel_groups(magnitude: np.ndarray, ratio: float = 8.0, max_groups: int = 3) -> list[list[int]]:
    """Channels sorted by ``magnitude`` (largest first) cut into groups whose members lie within
    ``ratio`` of the group's largest; at most ``max_groups`` (the rest join the last)."""
    order = [int(c) for c in np.argsort(-magnitude, kind="stable")]
    groups: list[list[int]] = [[order[0]]]
    for c in order[1:]:
        top = magnitude[groups[-1][0]]
        if len(groups) < max_groups and magnitude[c] < top / ratio:
            groups.append([c])
        else:
            groups[-1].append(c)
    return groups


def split_chain(model, chain: dict[str, Any], groups: list[list[int]]):
    """``model`` (changed in place) with ``chain`` split into one Conv/SiLU/depthwise/SiLU per
    channel group, concatenated in group order; consumers' input channels permuted to match."""
    from onnx import helper, numpy_helper

    g = model.graph
    conv, dw = chain["conv"], chain["dw"]
    w, dw_w = _const(model, conv.input[1]), _const(model, dw.input[1])
    b = _const(model, conv.input[2]) if len(conv.input) > 2 else np.zeros(len(w), np.float32)
    dw_b = _const(model, dw.input[2]) if len(dw.input) > 2 else np.zeros(len(dw_w), np.float32)
    order = [c for grp in groups for c in grp]
    new_nodes, inits, outs = [], [], []
    for k, grp in enumerate(groups):
        p = f"{conv.name or conv.output[0]}__g{k}"
        inits += [numpy_helper.from_array(w[grp], f"{p}_w"), numpy_helper.from_array(b[grp], f"{p}_b"),
                  numpy_helper.from_array(dw_w[grp], f"{p}_dw_w"), numpy_helper.from_array(dw_b[grp], f"{p}_dw_b")]  # fmt: skip
        attrs = {a.name: helper.get_attribute_value(a) for a in conv.attribute}
        dw_attrs = {a.name: helper.get_attribute_value(a) for a in dw.attribute}
        dw_attrs["group"] = len(grp)
        new_nodes += [
            helper.make_node("Conv", [conv.input[0], f"{p}_w", f"{p}_b"], [f"{p}_pre"], name=f"{p}_conv", **attrs),
            helper.make_node("Sigmoid", [f"{p}_pre"], [f"{p}_sig"], name=f"{p}_sig"),
            helper.make_node("Mul", [f"{p}_pre", f"{p}_sig"], [f"{p}_act"], name=f"{p}_act"),
            helper.make_node("Conv", [f"{p}_act", f"{p}_dw_w", f"{p}_dw_b"], [f"{p}_dwpre"], name=f"{p}_dw", **dw_attrs),
            helper.make_node("Sigmoid", [f"{p}_dwpre"], [f"{p}_dwsig"], name=f"{p}_dwsig"),
            helper.make_node("Mul", [f"{p}_dwpre", f"{p}_dwsig"], [f"{p}_out"], name=f"{p}_out"),
        ]
        outs.append(f"{p}_out")
    merged = chain["out"] + "__grouped"
    new_nodes.append(helper.make_node("Concat", outs, [merged], axis=1, name=merged))
    for user in chain["consumers"]:
        uw = _const(model, user.input[1])
        name = f"{user.input[1]}__permuted"
        inits.append(numpy_helper.from_array(uw[:, order], name))
        user.input[0], user.input[1] = merged, name
    # replace the old chain's nodes (conv, silu, dw, silu) by the new ones at the conv's position
    # (nodes are told apart by their outputs: protobuf wrappers have no stable identity)
    old_outputs = {conv.output[0], dw.output[0], chain["silu_out"], chain["out"]}
    old_outputs |= {n.output[0] for n in g.node if n.op_type == "Sigmoid" and n.input[0] in (conv.output[0], dw.output[0])}
    nodes = []
    for n in g.node:
        if n.output[0] == conv.output[0]:
            nodes += new_nodes
        if n.output[0] not in old_outputs:
            nodes.append(_copy(n))
    del g.node[:]
    g.node.extend(nodes)
    g.initializer.extend(inits)
    _prune(model)
    return model


def split_imbalanced_channels(model, feeds: list[np.ndarray], ratio: float = 8.0, min_spread: float = 64.0, max_groups: int = 3):
    """``(model, rows)``: every SiLU conv chain (:func:`silu_conv_chains`) whose output channels'
    p99.99 magnitudes (onnxruntime on ``feeds``, the model's own input arrays) span at least
    ``min_spread`` is split into groups within ``ratio`` (:func:`channel_groups`); ``rows`` says
    which: ``{"conv", "channels", "groups": [[p99.99 of the group's largest, channels], ...]}``."""
    import onnx
    import onnxruntime as ort

    chains = silu_conv_chains(model)
    if not chains:
        return model, []
    probe = _copy(model)
    for c in chains:
        probe.graph.output.append(onnx.helper.make_tensor_value_info(c["silu_out"], onnx.TensorProto.FLOAT, None))
    session = ort.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    values = [session.run([c["silu_out"] for c in chains], {name: x}) for x in feeds]
    rows = []
    for k, c in enumerate(chains):
        v = np.concatenate([np.moveaxis(r[k], 1, -1).reshape(-1, r[k].shape[1]) for r in values])
        magnitude = np.percentile(np.abs(v), 99.99, axis=0)
        groups = channel_groups(magnitude, ratio, max_groups)
        spread = magnitude[groups[0][0]] / max(float(magnitude[groups[-1][0]]), 1e-9)
        if len(groups) < 2 or spread < min_spread:
            continue
        current = next(x for x in silu_conv_chains(model) if x["conv"].output[0] == c["conv"].output[0])
        split_chain(model, current, groups)
        rows.append({"conv": c["conv"].name, "channels": int(len(magnitude)),
                     "groups": [[float(magnitude[g[0]]), len(g)] for g in groups]})  # fmt: skip
    return model, rows


def focus_to_conv(model):
    """``(model, replaced)``: a YOLOv5/YOLOX "Focus" stem (four stride-2 Slices of the image,
    concatenated on channels, then a stride-1 k x k Conv with padding p) becomes one Conv with a
    2k x 2k kernel, stride 2 and padding 2p (top, left) / 2(k-1-p) (bottom, right): the same
    function, and no stride-2 slices (which the Edge TPU cannot run, so they would stay on the CPU)."""
    from onnx import helper, numpy_helper

    g = model.graph
    image = g.input[0].name
    cons, prod = _consumers(g), _producers(g)
    first = [n for n in cons.get(image, []) if n.op_type == "Slice"]
    if not first:
        return model, False
    # the Concat fed by Slice chains of the image (one Slice over both axes, or one per axis)
    concat = next((u for n in first for u in cons.get(n.output[0], []) if u.op_type == "Concat"), None)
    if concat is None:
        concat = next((u for n in first for m in cons.get(n.output[0], []) if m.op_type == "Slice"
                       for u in cons.get(m.output[0], []) if u.op_type == "Concat"), None)  # fmt: skip
    if concat is None or len(concat.input) != 4 or _attr(concat, "axis") not in (1, -3):
        return model, False
    offsets, chain_outputs = {}, set()
    for name in concat.input:
        off, node = {}, prod.get(name)
        while node is not None and node.op_type == "Slice":
            starts, axes, steps = (_const(model, node.input[k]) if len(node.input) > k else None for k in (1, 3, 4))
            if starts is None or axes is None or steps is None or any(int(v) != 2 for v in steps):
                return model, False
            off.update({int(a) % 4: int(v) for a, v in zip(axes, starts)})
            chain_outputs.add(node.output[0])
            node = prod.get(node.input[0]) if node.input[0] != image else None
        if sorted(off) != [2, 3] or any(v not in (0, 1) for v in off.values()):
            return model, False
        offsets[name] = (off[2], off[3])
    users = cons.get(concat.output[0], [])
    if len(users) != 1 or users[0].op_type != "Conv" or _attr(users[0], "group", 1) != 1:
        return model, False
    conv = users[0]
    k = _attr(conv, "kernel_shape")
    pads = _attr(conv, "pads", [0, 0, 0, 0])
    if _attr(conv, "strides", [1, 1]) != [1, 1] or k is None or k[0] != k[1] or len(set(pads)) != 1:
        return model, False
    k, p = int(k[0]), int(pads[0])
    w = _const(model, conv.input[1])
    c = w.shape[1] // 4
    big = np.zeros((w.shape[0], c, 2 * k, 2 * k), np.float32)
    for group, name in enumerate(concat.input):
        dy, dx = offsets[name]
        big[:, :, dy::2, dx::2] = w[:, group * c : (group + 1) * c]
    new_w = conv.input[1] + "__focus"
    g.initializer.append(numpy_helper.from_array(big, new_w))
    lo, hi = 2 * p, 2 * (k - 1 - p)
    replacement = helper.make_node(
        "Conv", [image, new_w, *conv.input[2:]], [conv.output[0]], name=(conv.name or "conv") + "__focus",
        kernel_shape=[2 * k, 2 * k], strides=[2, 2], pads=[lo, lo, hi, hi],
    )  # fmt: skip
    drop = {conv.output[0], concat.output[0], *chain_outputs}
    nodes = []
    for n in g.node:
        if n.output[0] == conv.output[0]:
            nodes.append(replacement)
        elif n.output[0] not in drop:
            nodes.append(_copy(n))
    del g.node[:]
    g.node.extend(nodes)
    _prune(model)
    return model, True
