"""Bring legacy ONNX files (IR 3, opset < 11: MXNet/GluonCV, old PyTorch and Paddle exports) to a
form onnx2tf converts. The input model is never modified; a rewritten copy is returned.

Steps, each only when needed, each reported in ``notes``:
1. initializers listed as graph inputs (required up to IR 3) are taken out of the inputs;
2. BatchNormalization's pre-opset-9 attributes go: ``spatial=1`` is the only behaviour opset 9+
   has, so it is dropped; ``spatial=0`` (statistics per activation, not per channel) is folded
   into a Mul + Add with the same broadcast; ``is_test``/``consumed_inputs`` (opset < 7) are dropped;
3. ``onnx.version_converter`` upgrades the opset to ``TARGET_OPSET`` (Upsample -> Resize, Clip's
   attributes -> inputs, ...), and the IR version is set to the one that opset belongs to;
4. ``onnx.checker`` checks the result.
A step that cannot be done raises one EdgeposeError naming the cause and the fix.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from edgepose.errors import EdgeposeError

TARGET_OPSET = 13  # onnx2tf 1.28's best-covered opset; every version_converter adapter reaches it
TARGET_IR = 7  # the IR version of opset 13 (onnx 1.8)
MODERN_OPSET = 11  # from here on onnx2tf reads models as exported
LEGACY_BN_ATTRS = ("spatial", "is_test", "consumed_inputs")


def default_opset(model) -> int:
    return next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 1)


def is_legacy(model) -> bool:
    """True when ``modernize`` would change ``model``."""
    inits = {i.name for i in model.graph.initializer}
    return (
        model.ir_version < 4
        or default_opset(model) < MODERN_OPSET
        or any(i.name in inits for i in model.graph.input)
        or any(
            n.op_type == "BatchNormalization" and any(a.name in LEGACY_BN_ATTRS for a in n.attribute) for n in model.graph.node
        )
    )


def _initializers_out_of_inputs(m, notes: list[str]) -> None:
    inits = {i.name for i in m.graph.initializer}
    keep = [i for i in m.graph.input if i.name not in inits]
    moved = len(m.graph.input) - len(keep)
    if moved:
        del m.graph.input[:]
        m.graph.input.extend(keep)
        notes.append(f"took {moved} initializers out of the graph inputs (IR 3 lists them as inputs)")


def _fold_batchnorm_per_activation(m, node, values: dict[str, np.ndarray]) -> list:
    """``spatial=0`` BatchNormalization as Mul + Add with constants shaped like its parameters."""
    from onnx import helper, numpy_helper

    eps = next((a.f for a in node.attribute if a.name == "epsilon"), 1e-5)
    try:
        scale, bias, mean, var = (values[name] for name in node.input[1:5])
    except KeyError:
        raise EdgeposeError(
            f"BatchNormalization '{node.name}' has spatial=0 and parameters that are not constants; "
            "re-export the model with opset >= 9 (per-channel batch norm)"
        ) from None
    a = (scale / np.sqrt(var + eps)).astype(np.float32)
    b = (bias - mean * a).astype(np.float32)
    shape = (1, *a.shape)  # per activation: [C, H, W] broadcast over the batch
    base = node.name or node.output[0]
    m.graph.initializer.extend(
        [numpy_helper.from_array(a.reshape(shape), f"{base}__a"), numpy_helper.from_array(b.reshape(shape), f"{base}__b")]
    )
    scaled = f"{base}__scaled"
    return [
        helper.make_node("Mul", [node.input[0], f"{base}__a"], [scaled], name=f"{base}__mul"),
        helper.make_node("Add", [scaled, f"{base}__b"], [node.output[0]], name=f"{base}__add"),
    ]


def _legacy_batchnorm(m, notes: list[str]) -> None:
    from onnx import numpy_helper

    values = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    nodes, dropped, folded, per_channel = [], 0, 0, 0
    for node in m.graph.node:
        attrs = {a.name: a for a in node.attribute}
        if node.op_type != "BatchNormalization" or not set(attrs) & set(LEGACY_BN_ATTRS):
            nodes.append(node)
            continue
        if "spatial" in attrs and attrs["spatial"].i == 0:
            scale = values.get(node.input[1])
            if scale is None or scale.ndim > 1:  # per-activation parameters [C, H, W]
                nodes.extend(_fold_batchnorm_per_activation(m, node, values))
                folded += 1
                continue
            # spatial=0 with per-channel [C] parameters (MXNet/GluonCV exports): onnxruntime reads it as
            # per-channel, and so does this rewrite; folding [C] into Mul would broadcast over the width
            per_channel += 1
        else:
            dropped += 1
        kept = [a for a in node.attribute if a.name not in LEGACY_BN_ATTRS]
        del node.attribute[:]
        node.attribute.extend(kept)
        del node.output[1:]  # training outputs (running mean/var) are unused at inference
        nodes.append(node)
    if dropped:
        notes.append(f"dropped the pre-opset-9 attributes (spatial=1, is_test, consumed_inputs) of {dropped} BatchNormalization")
    if per_channel:
        notes.append(
            f"read {per_channel} BatchNormalization with spatial=0 but per-channel [C] parameters (an MXNet/GluonCV export) "
            "as per-channel, as onnxruntime does"
        )
    del m.graph.node[:]
    m.graph.node.extend(nodes)
    if folded:
        used = {name for node in m.graph.node for name in node.input}
        unused = [i for i in m.graph.initializer if i.name not in used]
        for init in unused:  # the folded statistics
            m.graph.initializer.remove(init)
        notes.append(f"folded {folded} per-activation (spatial=0) BatchNormalization into Mul + Add")


def modernize(model) -> tuple[Any, list[str]]:
    """``(model at TARGET_OPSET / TARGET_IR, notes)``; ``model`` itself when it is not legacy."""
    import onnx
    from onnx import version_converter

    if not is_legacy(model):
        return model, []
    m = onnx.ModelProto()
    m.CopyFrom(model)
    notes: list[str] = []
    _initializers_out_of_inputs(m, notes)
    _legacy_batchnorm(m, notes)
    old_opset, old_ir = default_opset(m), m.ir_version
    if m.ir_version < 4:
        m.ir_version = 4  # initializers are no longer inputs: the IR 4 rule
    if old_opset < TARGET_OPSET:
        try:
            m = version_converter.convert_version(m, TARGET_OPSET)
        except Exception as exc:
            first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
            raise EdgeposeError(
                f"cannot upgrade the ONNX model from opset {old_opset} to {TARGET_OPSET}: {first}; "
                f"re-export it with opset >= {MODERN_OPSET} from its framework"
            ) from None
        notes.append(f"upgraded opset {old_opset} -> {TARGET_OPSET} with onnx.version_converter")
    if m.ir_version < TARGET_IR:
        m.ir_version = TARGET_IR
    if m.ir_version != old_ir:
        notes.append(f"IR version {old_ir} -> {m.ir_version}")
    try:
        onnx.checker.check_model(m)
    except Exception as exc:
        raise EdgeposeError(
            f"the upgraded ONNX model does not pass onnx.checker: {str(exc).splitlines()[0][:200]}; "
            f"re-export it with opset >= {MODERN_OPSET} from its framework"
        ) from None
    return m, notes
