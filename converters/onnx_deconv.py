"""Grouped and depthwise ConvTranspose lowered to three ops, exactly, before onnx2tf.

onnx2tf turns a ConvTranspose with ``group = channels`` into one TRANSPOSE_CONV per channel (a
SimpleBaseline-MobileNetV2 head: 384 of them). A transposed convolution of stride ``s`` is a
convolution of the zero-inserted input with the spatially flipped kernel, so each such node becomes

1. ``Resize`` nearest x``s`` (asymmetric, floor): every input pixel repeated on an ``s x s`` block;
2. ``Mul`` by a constant 0/1 mask that keeps the top-left pixel of each block (the zero insertion);
3. ``Conv`` with ``group`` unchanged, the flipped and regrouped kernel, the bias, and pads
   ``k - 1 - pad_begin`` / ``k - 1 - pad_end + output_padding - (s - 1)`` (a ``Slice`` trims any
   negative end).

Exact in float (the same multiply-adds, the zeros contribute nothing); in TFLite: RESIZE_NEAREST_NEIGHBOR,
MUL and one (DEPTHWISE_)CONV_2D per node. Nodes this does not cover (dilations, ``output_shape``,
``auto_pad``, unknown input sizes, non-constant weights, group 1) are left as they are.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _attrs(node) -> dict[str, Any]:
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _static_shapes(model) -> dict[str, list[int]]:
    import onnx

    try:
        inferred = onnx.shape_inference.infer_shapes(model)
    except Exception:
        inferred = model
    shapes = {}
    for v in [*inferred.graph.value_info, *inferred.graph.input, *inferred.graph.output]:
        dims = [d.dim_value if d.HasField("dim_value") else -1 for d in v.type.tensor_type.shape.dim]
        if dims and all(d > 0 for d in dims):
            shapes[v.name] = dims
    return shapes


def lower_grouped_conv_transpose(model) -> tuple[Any, list[str]]:
    """``(model, notes)``: a copy with every grouped/depthwise 2-D ConvTranspose lowered (see the module
    docstring); ``model`` itself when there is none."""
    import onnx
    from onnx import helper, numpy_helper

    candidates = [n for n in model.graph.node if n.op_type == "ConvTranspose" and _attrs(n).get("group", 1) > 1]
    if not candidates:
        return model, []
    values = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    shapes = _static_shapes(model)
    m = onnx.ModelProto()
    m.CopyFrom(model)
    nodes, lowered, kept = [], 0, 0
    for node in m.graph.node:
        a = _attrs(node)
        group = a.get("group", 1)
        weight = values.get(node.input[1]) if len(node.input) > 1 else None
        shape = shapes.get(node.input[0]) if node.input else None  # Constant nodes have no inputs
        plain = (
            node.op_type == "ConvTranspose"
            and group > 1
            and weight is not None
            and weight.ndim == 4
            and shape is not None
            and len(shape) == 4
            and all(d == 1 for d in a.get("dilations", [1, 1]))
            and "output_shape" not in a
            and a.get("auto_pad", b"NOTSET") in (b"NOTSET", "NOTSET")
        )
        if not plain:
            if node.op_type == "ConvTranspose" and group > 1:
                kept += 1
            nodes.append(node)
            continue
        kh, kw = weight.shape[2:]
        sh, sw = a.get("strides", [1, 1])
        pb_h, pb_w, pe_h, pe_w = a.get("pads", [0, 0, 0, 0])
        op_h, op_w = a.get("output_padding", [0, 0])
        c_in, per_out = weight.shape[0], weight.shape[1]
        per_in = c_in // group
        # ConvTranspose [C_in, C_out/g, k, k] -> Conv [C_out, C_in/g, k, k], flipped in space
        w = weight.reshape(group, per_in, per_out, kh, kw).transpose(0, 2, 1, 3, 4).reshape(group * per_out, per_in, kh, kw)
        w = np.ascontiguousarray(w[:, :, ::-1, ::-1])
        _, _, h, wd = shape
        mask = np.zeros((1, 1, sh * h, sw * wd), np.float32)
        mask[..., ::sh, ::sw] = 1.0
        base = node.name or node.output[0]
        m.graph.initializer.extend(
            [
                numpy_helper.from_array(w.astype(np.float32), f"{base}__conv_w"),
                numpy_helper.from_array(mask, f"{base}__zero_mask"),
                numpy_helper.from_array(np.array([1, 1, sh, sw], np.float32), f"{base}__scales"),
            ]
        )
        up, masked = f"{base}__up", f"{base}__zero_inserted"
        nodes.append(
            helper.make_node(
                "Resize", [node.input[0], "", f"{base}__scales"], [up], name=f"{base}__resize", mode="nearest",
                coordinate_transformation_mode="asymmetric", nearest_mode="floor",
            )  # fmt: skip
        )
        nodes.append(helper.make_node("Mul", [up, f"{base}__zero_mask"], [masked], name=f"{base}__insert_zeros"))
        begin = [kh - 1 - pb_h, kw - 1 - pb_w]
        end = [kh - 1 - pe_h + op_h - (sh - 1), kw - 1 - pe_w + op_w - (sw - 1)]
        conv_in = [masked, f"{base}__conv_w", *node.input[2:3]]
        if min(begin + end) >= 0:
            nodes.append(
                helper.make_node("Conv", conv_in, list(node.output), name=f"{base}__conv", group=group, kernel_shape=[kh, kw],
                                 pads=[*begin, *end])  # fmt: skip
            )
        else:  # negative padding: pad what is positive, then slice the rest off
            full = f"{base}__conv_full"
            nodes.append(
                helper.make_node("Conv", [*conv_in], [full], name=f"{base}__conv", group=group, kernel_shape=[kh, kw],
                                 pads=[max(v, 0) for v in begin + end])  # fmt: skip
            )
            out_h = (h - 1) * sh - pb_h - pe_h + kh + op_h
            out_w = (wd - 1) * sw - pb_w - pe_w + kw + op_w
            starts = [-min(begin[0], 0), -min(begin[1], 0)]
            m.graph.initializer.extend(
                [
                    numpy_helper.from_array(np.array(starts, np.int64), f"{base}__starts"),
                    numpy_helper.from_array(np.array([starts[0] + out_h, starts[1] + out_w], np.int64), f"{base}__ends"),
                    numpy_helper.from_array(np.array([2, 3], np.int64), f"{base}__axes"),
                ]
            )
            nodes.append(
                helper.make_node("Slice", [full, f"{base}__starts", f"{base}__ends", f"{base}__axes"], list(node.output),
                                 name=f"{base}__trim")  # fmt: skip
            )
        lowered += 1
    if not lowered:
        return model, [f"left {kept} grouped ConvTranspose as they are (dilated, output_shape, auto_pad or unknown sizes)"]
    del m.graph.node[:]
    m.graph.node.extend(nodes)
    used = {name for node in m.graph.node for name in node.input}
    for init in [i for i in m.graph.initializer if i.name not in used]:
        m.graph.initializer.remove(init)
    notes = [f"lowered {lowered} grouped/depthwise ConvTranspose to Resize + zero mask + grouped Conv (exact)"]
    if kept:
        notes.append(f"left {kept} grouped ConvTranspose as they are (dilated, output_shape, auto_pad or unknown sizes)")
    return m, notes
