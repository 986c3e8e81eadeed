"""Published PP-TinyPose weights (OpenVINO IR of PaddleDetection's model) into the Keras build.

The IR's convolutions are matched to the Keras layers by the Paddle BatchNorm each was folded with
(``batch_norm2d_<N>`` -> layer ``bn<N>``) and the last convolution to ``heatmaps``; every shape is
checked, every layer must be covered once. Any disagreement is one EdgeposeError naming it, raised
before anything is written.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..contract import Contract
from ..errors import EdgeposeError
from .ir_reader import IRGraph, read_ir

PPTINYPOSE_MODEL = "pptinypose"
_BN = re.compile(r"batch_norm2d_(\d+)\.w_1$")


def ir_input_size(graph: IRGraph) -> tuple[int, int]:
    """(width, height) of the IR's single NCHW RGB image input."""
    params = graph.of_type("Parameter")
    if len(params) != 1 or len(params[0].out_shapes[0]) != 4 or params[0].out_shapes[0][1] != 3:
        shapes = [p.out_shapes[0] for p in params]
        raise EdgeposeError(f"{graph.source.name}: not a PP-TinyPose IR (inputs {shapes}; expected one [1, 3, H, W] image)")
    _, _, h, w = params[0].out_shapes[0]
    return int(w), int(h)


def ir_conv_weights(graph: IRGraph) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{keras layer name: (kernel, bias)}`` in Keras layouts: Conv2D ``[kh, kw, cin, cout]``,
    DepthwiseConv2D ``[kh, kw, c, 1]``; bias ``[cout]`` (the folded BatchNorm's constant Add)."""
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    convs = graph.of_type("Convolution", "GroupConvolution")
    if not convs:
        raise EdgeposeError(f"{graph.source.name}: no convolutions; not a PP-TinyPose IR")
    consumers: dict[int, list] = {}
    for nid in graph.order:
        for src, _ in graph.nodes[nid].inputs:
            consumers.setdefault(src, []).append(graph.nodes[nid])
    for conv in convs:
        weight = graph.const(conv.inputs[1][0]) if len(conv.inputs) > 1 else None
        adds = [n for n in consumers.get(conv.id, []) if n.type == "Add"]
        bias_nodes = [a for a in adds if any(graph.const(s) is not None for s, _ in a.inputs)]
        if weight is None or len(bias_nodes) != 1:
            raise EdgeposeError(
                f"{graph.source.name}: convolution {conv.name} has no constant weight and bias; not a PP-TinyPose IR"
            )
        add = bias_nodes[0]
        bias = next(graph.const(s) for s, _ in add.inputs if graph.const(s) is not None).reshape(-1)
        m = _BN.search(add.name)
        if m:
            name = f"bn{int(m.group(1))}"
        elif not any(n.type == "Convolution" for n in _downstream_convs(graph, consumers, add.id)):
            name = "heatmaps"
        else:
            raise EdgeposeError(
                f"{graph.source.name}: convolution {conv.name} has no Paddle BatchNorm name; not a PP-TinyPose IR"
            )
        if name in out:
            raise EdgeposeError(f"{graph.source.name}: two convolutions map to {name}; not a PP-TinyPose IR")
        w = weight.astype(np.float32)
        if conv.type == "GroupConvolution":  # [groups, 1, 1, kh, kw] depthwise
            if w.shape[1:3] != (1, 1):
                raise EdgeposeError(f"{graph.source.name}: {conv.name} is a grouped, not depthwise, convolution")
            kernel = w[:, 0, 0].transpose(1, 2, 0)[..., None]
        else:  # [cout, cin, kh, kw]
            kernel = w.transpose(2, 3, 1, 0)
        out[name] = (kernel, bias.astype(np.float32))
    return out


def _downstream_convs(graph: IRGraph, consumers: dict[int, list], start: int) -> list:
    seen, stack, found = set(), [start], []
    while stack:
        nid = stack.pop()
        for n in consumers.get(nid, []):
            if n.id in seen:
                continue
            seen.add(n.id)
            if n.type in ("Convolution", "GroupConvolution"):
                found.append(n)
            else:
                stack.append(n.id)
    return found


def load_pptinypose_ir(xml_path: str | Path, input_size: tuple[int, int] | None = None, spec=None):
    """Build the ``pptinypose`` Keras model and load the IR's weights into it.

    ``input_size`` (W, H) defaults to the IR's own; the weights work at any size (multiples of 32).
    ``spec`` picks the lowering (:class:`~edgepose.models.specs.PPTinyPoseSpec`). Raises EdgeposeError,
    naming what disagrees, for another model's IR, a truncated ``.bin`` or mismatched shapes.
    """
    from .registry import check_input_size, create_model

    graph = read_ir(Path(xml_path))
    size = ir_input_size(graph)
    weights = ir_conv_weights(graph)
    if "heatmaps" not in weights:
        raise EdgeposeError(f"{graph.source.name}: no heatmap convolution; not a PP-TinyPose IR")
    keypoints = weights["heatmaps"][0].shape[-1]
    target = tuple(input_size) if input_size else size
    check_input_size(target)
    model = create_model(PPTINYPOSE_MODEL, target, num_keypoints=keypoints, spec=spec)
    layers = {layer.name: layer for layer in model.layers if type(layer).__name__ in ("Conv2D", "DepthwiseConv2D")}
    missing = sorted(set(layers) - set(weights), key=_order)
    extra = sorted(set(weights) - set(layers), key=_order)
    if missing or extra:
        raise EdgeposeError(
            f"{graph.source.name}: not PP-TinyPose's layout ({len(weights)} convolutions; "
            f"missing {missing[:3]}{'...' if len(missing) > 3 else ''}, unexpected {extra[:3]}{'...' if len(extra) > 3 else ''})"
        )
    for name, layer in layers.items():
        kernel, bias = weights[name]
        want = tuple(layer.kernel.shape)
        if kernel.shape != want or bias.shape != tuple(layer.bias.shape):
            raise EdgeposeError(
                f"{graph.source.name}: convolution {name} has kernel {kernel.shape}, the model needs {want}; "
                "not PP-TinyPose's widths"
            )
        layer.set_weights([kernel, bias])
    return model


def _order(name: str) -> int:
    return int(name[2:]) if name.startswith("bn") and name[2:].isdigit() else 10**6


LOWERINGS = ("cpu", "edgetpu")  # same weights: 5-D shuffle (fastest on CPUs) or interleave (maps to the Edge TPU)


def lowering_spec(lowering: str, head_resize: str = "align_corners"):
    """The PP-TinyPose spec of ``lowering`` (``cpu`` | ``edgetpu``)."""
    from dataclasses import replace

    from .specs import PPTinyPoseSpec

    if lowering not in LOWERINGS:
        raise EdgeposeError(f"unknown `lowering` '{lowering}'; choose one of: {', '.join(LOWERINGS)}")
    return replace(PPTinyPoseSpec(), shuffle="5d" if lowering == "cpu" else "interleave", head_resize=head_resize)


def pptinypose_contract(input_size: tuple[int, int], lowering: str = "cpu", source: str = "") -> Contract:
    """The contract of an imported PP-TinyPose: Paddle's heatmap convention (``msra``: cell j at input
    pixel 4·j), sigma 2 (PaddleDetection's target), ImageNet normalisation inside the model."""
    w, h = input_size
    return Contract(input_hw=(int(h), int(w)), codec="msra", sigma=2.0, model=PPTINYPOSE_MODEL, lowering=lowering,
                    weights_from=source)  # fmt: skip


def import_pptinypose(
    ir: str | Path, out: str | Path, input_size: tuple[int, int] | None = None, lowering: str = "cpu", force: bool = False
) -> dict:
    """Read PP-TinyPose's OpenVINO IR ``ir`` (+ ``.bin``) and write a trainable ``.keras`` with its contract to
    ``out`` (atomic; nothing is written when the IR disagrees). Returns ``{"out", "input", "params", "lowering"}``."""
    from ..fsutil import output_file
    from .saved import save_model

    spec = lowering_spec(lowering)
    model = load_pptinypose_ir(ir, input_size, spec=spec)
    h, w = model.input.shape[1:3]
    source = f"PaddleDetection PP-TinyPose (OpenVINO IR {Path(ir).parent.name}/{Path(ir).name})"
    contract = pptinypose_contract((w, h), lowering, source=source)
    with output_file(out, force=force, inputs=[ir]) as tmp:
        save_model(model, tmp, contract)
    return {"out": str(out), "input": [int(h), int(w)], "params": int(model.count_params()), "lowering": lowering}


def relower(model, lowering: str, head_resize: str | None = None):
    """The same weights in another lowering (a new Keras model; layer names are shared)."""
    if head_resize not in (None, "align_corners", "half_pixel"):
        raise EdgeposeError(f"unknown `head_resize` '{head_resize}'; choose align_corners or half_pixel")
    spec = lowering_spec(lowering, head_resize or _head_resize_of(model))
    from .registry import create_model

    h, w = model.input.shape[1:3]
    new = create_model(PPTINYPOSE_MODEL, (w, h), num_keypoints=model.output.shape[-1], spec=spec)
    src = {layer.name: layer for layer in model.layers if layer.weights}
    for layer in new.layers:
        if layer.weights:
            layer.set_weights(src[layer.name].get_weights())
    return new


def _head_resize_of(model) -> str:
    ups = [layer for layer in model.layers if type(layer).__name__ == "BilinearUpsample2x"]
    return "align_corners" if not ups or ups[0].align_corners else "half_pixel"


def lower_keras(src: str | Path, out: str | Path, lowering: str, head_resize: str | None = None, force: bool = False) -> dict:
    """Write the ``.keras`` ``src`` (a ``pptinypose`` model) in another lowering to ``out``, weights and contract
    kept (the contract records the lowering). Returns ``{"out", "lowering", "head_resize"}``."""
    from ..contract import read_keras_contract
    from ..fsutil import output_file
    from .saved import load_model, save_model

    model = load_model(src)
    if not model.name.startswith(PPTINYPOSE_MODEL):
        raise EdgeposeError(f"{src}: a '{model.name}' model; only pptinypose models have lowerings")
    new = relower(model, lowering, head_resize)
    contract = read_keras_contract(src)
    with output_file(out, force=force, inputs=[src]) as tmp:
        save_model(new, tmp, contract.replace(lowering=lowering) if contract is not None else None)
    return {"out": str(out), "lowering": lowering, "head_resize": _head_resize_of(new)}
