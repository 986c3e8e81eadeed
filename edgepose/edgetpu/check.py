"""Offline prediction of what Google's ``edgetpu_compiler`` does with an int8 TFLite model.

The rules are Coral's documented ones, each cited where it is applied:

* [req] "Model requirements" on https://coral.ai/docs/edgetpu/models-intro/#model-requirements:
  tensor parameters are 8-bit quantized (int8/uint8); tensor sizes are constant at compile time
  (no dynamic sizes); model parameters (weights, biases) are constant at compile time; tensors
  are 1-, 2- or 3-dimensional, and a tensor with more dimensions may have a size greater than 1
  only in its 3 innermost dimensions; only the supported operations below are used.
* [table: Op] the "Supported operations" table on the same page
  (https://coral.ai/docs/edgetpu/models-intro/#supported-operations): the op, the minimum Edge
  TPU runtime version it needs ("All", 13+ or 14+; compiler 16 targets runtime 14), and its
  "known limitations". ``TABLE`` below holds them.
* [segment] "Compiling" on https://coral.ai/docs/edgetpu/compiler/ and the same page: the
  compiler maps one contiguous segment; once the graph has left it at the first unsupported op,
  everything that depends on that op runs on the CPU even if supported (independent branches
  still map), and ops before it that feed it stay on the CPU.

Two limitations are worded as "depending on size, may not be mapped" (ResizeBilinear/
ResizeNearestNeighbor "to avoid loss in precision", Reshape "for large tensor sizes"). For
resizes this module uses the reading the real compiler's pairs in ``shared/peers/edgetpu_pairs``
agree with: the resize maps when its scale is an integer in the sampling convention it uses,
``out % in == 0`` without ``align_corners`` and ``(out - 1) % (in - 1) == 0`` with it (so a
1x1 -> 33x33 align-corners broadcast stays on the CPU, as in DeepLab), **and** its output is at
most :data:`RESIZE_MAX_SIDE` (128) px high and wide. The size rule is the compiler's known behaviour
in its issues: a bilinear 2x upsampling to 512x512 stays on the CPU ("otherwise supported, but not
mapped due to some unspecified limitation") while the same layer to 128x128 maps
(google-coral/edgetpu#31), and a U-Net's nearest-neighbour upsamplings map at a 128x128 input but
not at 256x256 (#187); segmentation models' final full-resolution resize (DeepLab's 33 -> 513,
integer scale 16 with align_corners) runs on the CPU in Coral's published compiled models. The
boundary between 128 and 256 is not pinned by a cited case; 128 is the largest size seen mapped.
Large reshapes are
assumed to map. TILE is not in the table's revisions we cite, but compiler 16 maps it in
published pairs (issue 18), so it is accepted from runtime 14 and flagged as such in ``TABLE``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..engine.flatbuffer import ModelGraph, OpInfo, read_tflite
from ..errors import EdgeposeError

EIGHT_BIT = ("INT8", "UINT8")
COMPILED_OP = "edgetpu-custom-op"
DOWNSTREAM = "[segment] depends on an op that already left the Edge TPU segment"
RUNTIME_VERSION = 14  # the newest Edge TPU runtime (compiler 16.0): every row of the table applies
ALL = 0  # "All" runtime versions in the table
Check = Callable[[ModelGraph, OpInfo, int], str]  # -> reason the op stays on the CPU ("" when it maps)


@dataclass(frozen=True)
class OpRule:
    table_name: str  # the op as Coral's table names it
    since: int  # minimum runtime version (ALL, 13 or 14)
    limitation: str  # the table's "known limitations", paraphrased ("" when none)
    check: Check | None = None  # the limitation as code


def _axes(graph: ModelGraph, op: OpInfo, slot: int, rank: int) -> list[int] | None:
    """Constant axis list of input ``slot`` normalised to ``0..rank-1`` (None when not constant)."""
    t = graph.tensor(op.inputs[slot]) if len(op.inputs) > slot else None
    if t is None or t.values is None:
        return None
    return sorted({int(a) % rank for a in np.asarray(t.values).ravel()}) if rank else []


def _no_fused_activation(name: str) -> Check:
    def check(graph: ModelGraph, op: OpInfo, runtime: int) -> str:
        act = op.options.get("fused_activation", 0)
        return f"[table: {name}] fused activation function ({act}) is not supported" if act else ""

    return check


def _same_dilation(name: str, dilated_before_13: bool) -> Check:
    def check(graph: ModelGraph, op: OpInfo, runtime: int) -> str:
        dh, dw = op.options.get("dilation_h", 1), op.options.get("dilation_w", 1)
        if not dilated_before_13 and runtime <= 12 and (dh, dw) != (1, 1):
            return f"[table: {name}] dilated kernels need runtime 13+ (dilation {dh}x{dw})"
        return f"[table: {name}] dilation differs in x and y ({dh}x{dw})" if dh != dw else ""

    return check


def _concatenation(graph: ModelGraph, op: OpInfo, runtime: int) -> str:
    if op.options.get("fused_activation", 0):
        return "[table: Concatenation] fused activation function is not supported"
    const = [t for t in map(graph.tensor, op.inputs) if t is not None and t.constant]
    if not const:
        return ""
    if len(op.inputs) != 2:
        return "[table: Concatenation] a constant input is allowed only with exactly 2 inputs"
    t = const[0]
    zero = t.zero_point[0] if t.zero_point else 0
    if t.values is None or np.any(np.asarray(t.values) != zero):
        return "[table: Concatenation] a constant input must be all zeroes (a zero-padding)"
    return ""


def _reduction(name: str, xy_only_before_13: bool = False, z_multiple_of_4: bool = False) -> Check:
    def check(graph: ModelGraph, op: OpInfo, runtime: int) -> str:
        src = graph.tensor(op.inputs[0])
        rank = len(src.shape) if src else 0
        axes = _axes(graph, op, 1, rank)
        if axes is None:
            return f"[table: {name}] the reduction axes are not a compile-time constant"
        if rank >= 2 and 0 in axes:
            return f"[table: {name}] no reduction in the batch dimension (axes {axes})"
        if xy_only_before_13 and runtime <= 12 and any(a not in (1, 2) for a in axes):
            return f"[table: {name}] runtime <= 12 reduces along x and/or y only (axes {axes})"
        if z_multiple_of_4 and rank and (rank - 1) in axes and src.shape[-1] % 4:
            return f"[table: {name}] a z-reduction needs a z size that is a multiple of 4 (z = {src.shape[-1]})"
        return ""

    return check


def _pad(graph: ModelGraph, op: OpInfo, runtime: int) -> str:
    t = graph.tensor(op.inputs[1]) if len(op.inputs) > 1 else None
    if t is None or t.values is None:
        return "[table: Pad] the paddings are not a compile-time constant"
    pads = np.asarray(t.values).reshape(-1, 2)
    if len(pads) >= 2 and np.any(pads[0]):
        return "[table: Pad] no padding in the batch dimension"
    if runtime <= 12 and len(pads) == 4 and np.any(pads[3]):
        return "[table: Pad] runtime <= 12 pads along x and/or y only"
    return ""


def _pack(graph: ModelGraph, op: OpInfo, runtime: int) -> str:
    out = graph.tensor(op.outputs[0])
    rank = len(out.shape) if out else 0
    axis = op.options.get("axis", 0) % rank if rank else 0
    return "[table: Pack] no packing in the batch dimension" if rank >= 2 and axis == 0 else ""


def _split(graph: ModelGraph, op: OpInfo, runtime: int) -> str:
    src = graph.tensor(op.inputs[1]) if len(op.inputs) > 1 else None
    rank = len(src.shape) if src else 0
    axes = _axes(graph, op, 0, rank)
    if axes is None:
        return "[table: Split] the split axis is not a compile-time constant"
    return "[table: Split] no splitting in the batch dimension" if rank >= 2 and 0 in axes else ""


def _softmax(graph: ModelGraph, op: OpInfo, runtime: int) -> str:
    src = graph.tensor(op.inputs[0])
    big = [d for d in src.shape if d > 1] if src else []
    if len(big) > 1:
        return f"[table: Softmax] only a 1-D input is supported ({list(src.shape)})"
    if big and big[0] > 16000:
        return f"[table: Softmax] at most 16,000 elements ({big[0]})"
    return ""


def _strided_slice(graph: ModelGraph, op: OpInfo, runtime: int) -> str:
    strides = graph.tensor(op.inputs[3]) if len(op.inputs) > 3 else None
    if strides is None or strides.values is None or np.any(np.asarray(strides.values) != 1):
        return "[table: StridedSlice] all strides must be 1"
    if op.options.get("ellipsis_mask", 0) or op.options.get("new_axis_mask", 0):
        return "[table: StridedSlice] ellipsis_mask and new_axis_mask must be 0"
    return ""


def _fully_connected(graph: ModelGraph, op: OpInfo, runtime: int) -> str:
    if op.options.get("weights_format", 0) != 0:
        return "[table: FullyConnected] only the default weights format is supported"
    out = graph.tensor(op.outputs[0])
    if out is not None and sum(d > 1 for d in out.shape) > 1:
        return f"[table: FullyConnected] the output must be one-dimensional ({list(out.shape)})"
    return ""


RESIZE_MAX_SIDE = 128  # larger resize outputs stay on the CPU (see the module docstring for the sources)


def _resize(name: str) -> Check:
    def check(graph: ModelGraph, op: OpInfo, runtime: int) -> str:
        src, dst = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        if src is None or dst is None or len(src.shape) != 4 or len(dst.shape) != 4:
            return ""
        if max(dst.shape[1], dst.shape[2]) > RESIZE_MAX_SIDE:
            return (
                f"[table: {name}] {src.shape[1]}x{src.shape[2]} -> {dst.shape[1]}x{dst.shape[2]}: an output side over "
                f"{RESIZE_MAX_SIDE} px is left on the CPU (\"depending on input/output size\"; google-coral/edgetpu#31, #187)"
            )
        align = op.options.get("align_corners", False)
        for a, b in ((src.shape[1], dst.shape[1]), (src.shape[2], dst.shape[2])):
            exact = (a > 1 and (b - 1) % (a - 1) == 0) if align else b % a == 0
            if not exact:
                how = "(out-1)/(in-1) with align_corners" if align else "out/in"
                return (
                    f"[table: {name}] {src.shape[1]}x{src.shape[2]} -> {dst.shape[1]}x{dst.shape[2]}: "
                    f"{how} is not an integer, which the compiler leaves on the CPU to avoid loss in precision"
                )
        return ""

    return check


TABLE: dict[str, OpRule] = {
    "ADD": OpRule("Add", ALL, ""),
    "AVERAGE_POOL_2D": OpRule("AveragePool2d", ALL, "No fused activation function.", _no_fused_activation("AveragePool2d")),
    "CONCATENATION": OpRule(
        "Concatenation",
        ALL,
        "No fused activation function. A compile-time constant input needs exactly 2 inputs and must be all zeroes.",
        _concatenation,
    ),
    "CONV_2D": OpRule("Conv2d", ALL, "Same dilation in x and y.", _same_dilation("Conv2d", True)),
    "DEPTHWISE_CONV_2D": OpRule(
        "DepthwiseConv2d",
        ALL,
        "<=12: no dilated kernels; 13+: same dilation in x and y.",
        _same_dilation("DepthwiseConv2d", False),
    ),
    "EXPAND_DIMS": OpRule("ExpandDims", 13, ""),
    "FULLY_CONNECTED": OpRule(
        "FullyConnected", ALL, "Default weights format only. Output tensor is one-dimensional.", _fully_connected
    ),
    "L2_NORMALIZATION": OpRule("L2Normalization", ALL, ""),
    "LOGISTIC": OpRule("Logistic", ALL, ""),
    "LSTM": OpRule("LSTM", 14, "Unidirectional LSTM only."),
    "UNIDIRECTIONAL_SEQUENCE_LSTM": OpRule("LSTM", 14, "Unidirectional LSTM only."),
    "MAXIMUM": OpRule("Maximum", ALL, ""),
    "MAX_POOL_2D": OpRule("MaxPool2d", ALL, "No fused activation function.", _no_fused_activation("MaxPool2d")),
    "MEAN": OpRule(
        "Mean",
        ALL,
        "No reduction in the batch dimension; <=12: x and/or y only; 13+: a z-reduction needs z a multiple of 4.",
        _reduction("Mean", xy_only_before_13=True, z_multiple_of_4=True),
    ),
    "MINIMUM": OpRule("Minimum", ALL, ""),
    "MUL": OpRule("Mul", ALL, ""),
    "PACK": OpRule("Pack", ALL, "No packing in the batch dimension.", _pack),
    "PAD": OpRule("Pad", ALL, "<=12: x and/or y only; 13+: no padding in the batch dimension.", _pad),
    "PRELU": OpRule("PReLU", 13, ""),
    "QUANTIZE": OpRule("Quantize", 13, ""),
    "REDUCE_MAX": OpRule("ReduceMax", 14, "Cannot operate on the batch dimension.", _reduction("ReduceMax")),
    "REDUCE_MIN": OpRule("ReduceMin", 14, "Cannot operate on the batch dimension.", _reduction("ReduceMin")),
    "RELU": OpRule("ReLU", ALL, ""),
    "RELU6": OpRule("ReLU6", ALL, ""),
    "RELU_N1_TO_1": OpRule("ReLUN1To1", ALL, ""),
    "RESHAPE": OpRule("Reshape", ALL, "Certain reshapes might not be mapped for large tensor sizes (not predicted)."),
    "RESIZE_BILINEAR": OpRule(
        "ResizeBilinear",
        ALL,
        "Input/output is a 3-dimensional tensor; may not be mapped depending on size, to avoid loss in precision.",
        _resize("ResizeBilinear"),
    ),
    "RESIZE_NEAREST_NEIGHBOR": OpRule(
        "ResizeNearestNeighbor",
        ALL,
        "Input/output is a 3-dimensional tensor; may not be mapped depending on size, to avoid loss in precision.",
        _resize("ResizeNearestNeighbor"),
    ),
    "RSQRT": OpRule("Rsqrt", 14, ""),
    "SLICE": OpRule("Slice", ALL, ""),
    "SOFTMAX": OpRule("Softmax", ALL, "Only a 1-D input tensor with at most 16,000 elements.", _softmax),
    "SPACE_TO_DEPTH": OpRule("SpaceToDepth", ALL, ""),
    "SPLIT": OpRule("Split", ALL, "No splitting in the batch dimension.", _split),
    "SQUARED_DIFFERENCE": OpRule("SquaredDifference", 14, ""),
    "SQUEEZE": OpRule("Squeeze", ALL, ""),
    "STRIDED_SLICE": OpRule(
        "StridedSlice", ALL, "All strides 1 (effectively a slice), ellipsis_mask 0 and new_axis_mask 0.", _strided_slice
    ),
    "SUB": OpRule("Sub", ALL, ""),
    "SUM": OpRule("Sum", 13, "Cannot operate on the batch dimension.", _reduction("Sum")),
    "TANH": OpRule("Tanh", ALL, ""),
    "TILE": OpRule("Tile", 14, "Not in the cited table revisions; compiler 16 maps it in published pairs."),
    "TRANSPOSE": OpRule("Transpose", 14, ""),
    "TRANSPOSE_CONV": OpRule("TransposeConv", 13, ""),
}
WEIGHTED_OPS = {"CONV_2D": 1, "DEPTHWISE_CONV_2D": 1, "FULLY_CONNECTED": 1, "TRANSPOSE_CONV": 1}  # op -> weight input slot
STATEFUL_OPS = ("LSTM", "UNIDIRECTIONAL_SEQUENCE_LSTM")  # int16 cell state and variable tensors are the op's own


@dataclass
class OpVerdict:
    index: int
    op: str
    version: int
    dtype: str  # first output's dtype
    shape: tuple[int, ...]  # first output's shape
    supported: bool  # the op alone is mappable
    on_tpu: bool  # after the one-segment rule
    reason: str  # why not (empty when on the TPU), led by the rule it cites
    macs: int
    stage: str  # "tpu", "cpu-before", "cpu-after"


def _tensor_requirements(graph: ModelGraph, op: OpInfo) -> str:
    """[req] checks on the op's non-constant tensors and its parameters."""
    slots = list(op.inputs[:1]) if op.name in STATEFUL_OPS else list(op.inputs)
    live = [graph.tensors[i] for i in (*slots, *op.outputs) if i >= 0 and not graph.tensors[i].constant]
    for t in live:
        if t.variable:
            continue
        if t.dtype not in EIGHT_BIT:
            return f"[req] tensor '{t.name[:40]}' is {t.dtype}, not 8-bit quantized"
        if any(d < 0 for d in t.shape_signature):
            return f"[req] tensor '{t.name[:40]}' has a dynamic size {list(t.shape_signature)}"
        if len(t.shape) > 3 and any(d > 1 for d in t.shape[:-3]):
            return f"[req] tensor '{t.name[:40]}' {list(t.shape)}: only the 3 innermost dimensions may exceed 1"
    slot = WEIGHTED_OPS.get(op.name)
    if slot is not None and len(op.inputs) > slot and op.inputs[slot] >= 0 and not graph.tensors[op.inputs[slot]].constant:
        return f"[req] the {op.name} weights are not constant at compile time"
    return ""


def _op_support(graph: ModelGraph, op: OpInfo, runtime: int = RUNTIME_VERSION) -> tuple[bool, str]:
    """(mappable, reason when not) for one op on its own, at Edge TPU runtime ``runtime``."""
    if op.name == COMPILED_OP:
        return False, "already compiled for the Edge TPU"
    if op.custom:
        return False, f"[req] custom op {op.name} is not a supported operation"
    rule = TABLE.get(op.name)
    if op.name == "BIDIRECTIONAL_SEQUENCE_LSTM":
        return False, "[table: LSTM] unidirectional LSTM only"
    if rule is None:
        return False, f"[table] {op.name} is not a supported operation"
    if rule.since > runtime:
        return False, f"[table: {rule.table_name}] needs Edge TPU runtime {rule.since}+ (target {runtime})"
    if op.name == "QUANTIZE" and graph.tensors[op.inputs[0]].dtype not in EIGHT_BIT:
        return False, f"[req] QUANTIZE from {graph.tensors[op.inputs[0]].dtype} (only 8-bit requantization maps)"
    reason = _tensor_requirements(graph, op)
    if not reason and rule.check is not None:
        reason = rule.check(graph, op, runtime)
    return not reason, reason


def _macs(graph: ModelGraph, op: OpInfo) -> int:
    """Multiply-accumulates of conv-like ops (0 for the rest)."""
    if op.name not in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV") or len(op.inputs) < 2:
        return 0
    out = graph.tensors[op.outputs[0]].shape
    w = graph.tensors[op.inputs[1] if op.name != "TRANSPOSE_CONV" else op.inputs[1]].shape
    n_out = 1
    for d in out:
        n_out *= max(d, 1)
    if op.name == "CONV_2D" and len(w) == 4:
        return n_out * w[1] * w[2] * w[3]
    if op.name == "DEPTHWISE_CONV_2D" and len(w) == 4:
        return n_out * w[1] * w[2]
    if op.name == "FULLY_CONNECTED" and len(w) == 2:
        return n_out * w[1]
    if op.name == "TRANSPOSE_CONV" and len(w) == 4:
        return n_out * w[1] * w[2] * w[0]
    return 0


def edgetpu_check(path: str | Path, runtime_version: int = RUNTIME_VERSION) -> dict[str, Any]:
    """Per-op prediction for ``path`` (an uncompiled int8 ``.tflite``).

    Returns ``{"model", "ops": [OpVerdict as dict], "cpu_ops": [names in order], "cut": {...} | None,
    "ops_on_tpu", "ops_total", "op_share", "macs_on_tpu", "macs_total", "mac_share",
    "segments", "fully_mapped", "compiled"}``.
    """
    graph = read_tflite(path)
    if not any(t.dtype in EIGHT_BIT and t.quantized and not t.constant for t in graph.tensors):
        raise EdgeposeError(
            f"{graph.path} is a float model: the Edge TPU runs only full-integer models; "
            "convert it with 'edgepose quantize MODEL.keras --format int8 --calib DIR' first"
        )
    producer: dict[int, int] = {}
    for op in graph.ops:
        for t in op.outputs:
            producer[t] = op.index
    stage: dict[int, str] = {}
    verdicts: list[OpVerdict] = []
    for op in graph.ops:
        supported, reason = _op_support(graph, op, runtime_version)
        upstream = {stage[producer[t]] for t in op.inputs if t in producer}
        after_segment = bool(upstream & {"tpu", "cpu-after"})
        if supported and "cpu-after" not in upstream:
            where = "tpu"
        else:
            where = "cpu-after" if after_segment or (supported and "cpu-after" in upstream) else "cpu-before"
            if supported:
                reason = DOWNSTREAM
        stage[op.index] = where
        out = graph.tensors[op.outputs[0]] if op.outputs else None
        verdicts.append(
            OpVerdict(
                index=op.index,
                op=op.name,
                version=op.version,
                dtype=out.dtype if out else "",
                shape=out.shape if out else (),
                supported=supported,
                on_tpu=where == "tpu",
                reason="" if where == "tpu" else reason,
                macs=_macs(graph, op),
                stage=where,
            )
        )
    compiled = any(op.name == COMPILED_OP for op in graph.ops)
    on_tpu = [v for v in verdicts if v.on_tpu]
    macs_total = sum(v.macs for v in verdicts)
    cut = next((v for v in verdicts if v.stage == "cpu-after" and v.reason != DOWNSTREAM), None)
    segments = _tpu_partitions(graph, verdicts)
    return {
        "model": str(graph.path),
        "size_bytes": graph.size_bytes,
        "ops": [v.__dict__ for v in verdicts],
        "cpu_ops": [v.op for v in verdicts if v.stage == "cpu-before"] + [v.op for v in verdicts if v.stage == "cpu-after"],
        "cut": {"index": cut.index, "op": cut.op, "reason": cut.reason} if cut else None,
        "ops_total": len(verdicts),
        "ops_on_tpu": len(on_tpu),
        "op_share": len(on_tpu) / len(verdicts) if verdicts else 0.0,
        "macs_total": macs_total,
        "macs_on_tpu": sum(v.macs for v in on_tpu),
        "mac_share": sum(v.macs for v in on_tpu) / macs_total if macs_total else (1.0 if on_tpu else 0.0),
        "segments": segments,
        "fully_mapped": bool(verdicts) and len(on_tpu) == len(verdicts),
        "compiled": compiled,
        "runtime_version": runtime_version,
    }


def _tpu_partitions(graph: ModelGraph, verdicts: list[OpVerdict]) -> int:
    """Connected groups of TPU ops (joined through the tensors they pass each other): 1 means
    the compiler emits a single ``edgetpu-custom-op``."""
    parent = {v.index: v.index for v in verdicts if v.on_tpu}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    producer = {t: op.index for op in graph.ops for t in op.outputs}
    for op in graph.ops:
        if op.index not in parent:
            continue
        for t in op.inputs:
            src = producer.get(t)
            if src is not None and src in parent:
                parent[root(src)] = root(op.index)
    return len({root(i) for i in parent})


def compiled_cpu_ops(path: str | Path) -> list[str]:
    """The ops a real ``*_edgetpu.tflite`` left on the CPU (everything but ``edgetpu-custom-op``), in order."""
    return [op.name for op in read_tflite(path).ops if op.name != COMPILED_OP]


def edgetpu_markdown(report: dict[str, Any], all_ops: bool = False) -> str:
    """Per-op table (all ops, or only those off the TPU plus the first few on it) and a summary."""
    lines = ["| # | op | version | dtype | shape | Edge TPU | reason |", "| --- | --- | --- | --- | --- | --- | --- |"]
    shown = report["ops"] if all_ops else [o for o in report["ops"] if not o["on_tpu"]]
    for o in shown:
        where = "yes" if o["on_tpu"] else ("no (before)" if o["stage"] == "cpu-before" else "no")
        shape = "x".join(str(d) for d in o["shape"])
        lines.append(f"| {o['index']} | {o['op']} | {o['version']} | {o['dtype']} | {shape} | {where} | {o['reason']} |")
    if not shown:
        lines.append("| | (every op maps to the Edge TPU) | | | | | |")
    cut = report["cut"]
    summary = [
        "",
        f"ops on the Edge TPU: {report['ops_on_tpu']}/{report['ops_total']} ({100 * report['op_share']:.1f} %), "
        f"MACs: {100 * report['mac_share']:.1f} % of {report['macs_total'] / 1e6:.1f} M, partitions: {report['segments']}",
        f"rules: Coral's supported-operations table and model requirements, Edge TPU runtime "
        f"{report.get('runtime_version', RUNTIME_VERSION)} (reasons cite them as [req], [table: Op], [segment])",
        f"cut point: op {cut['index']} {cut['op']} ({cut['reason']}); everything that depends on it runs on the CPU"
        if cut
        else "cut point: none",
    ]
    return "\n".join(lines + summary) + "\n"
