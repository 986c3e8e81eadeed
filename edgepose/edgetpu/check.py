"""Offline prediction of what Google's ``edgetpu_compiler`` does with an int8 TFLite model.

Rules (Coral's "TensorFlow models on the Edge TPU" requirements, checked against the real
compiler's output for the pairs in ``shared/peers/edgetpu_pairs``):

* the op is in the Edge TPU's supported list (custom ops never are);
* every non-constant input and output is an 8-bit quantized tensor (int8/uint8), so float
  inputs, ``CAST``, ``DEQUANTIZE`` and float-to-int ``QUANTIZE`` stay on the CPU;
* shapes are static, and only the 3 innermost dimensions of a tensor may be larger than 1;
* resizes scale by an integer factor, without ``align_corners`` (nearest-neighbour also
  without ``half_pixel_centers``);
* the compiler maps one contiguous segment: ops before it that feed it stay on the CPU, and
  once the graph has left the segment (the first unsupported op), every op that depends on that
  op stays on the CPU even if it is supported. Independent branches still map.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..engine.flatbuffer import ModelGraph, OpInfo, read_tflite
from ..errors import EdgeposeError

SUPPORTED_OPS = frozenset(
    {
        "ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D", "EXPAND_DIMS",
        "FULLY_CONNECTED", "L2_NORMALIZATION", "LOGISTIC", "LSTM", "MAXIMUM", "MAX_POOL_2D", "MEAN",
        "MINIMUM", "MUL", "PACK", "PAD", "PRELU", "QUANTIZE", "REDUCE_MAX", "REDUCE_MIN", "RELU",
        "RELU6", "RELU_N1_TO_1", "RESHAPE", "RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR", "RSQRT",
        "SLICE", "SOFTMAX", "SPACE_TO_DEPTH", "SPLIT", "SQUARED_DIFFERENCE", "SQUEEZE", "STRIDED_SLICE",
        "SUB", "SUM", "TANH", "TRANSPOSE", "TRANSPOSE_CONV", "HARD_SWISH", "DEPTH_TO_SPACE",
    }
)  # fmt: skip
EIGHT_BIT = ("INT8", "UINT8")
COMPILED_OP = "edgetpu-custom-op"
DOWNSTREAM = "depends on an op that already left the Edge TPU segment"


@dataclass
class OpVerdict:
    index: int
    op: str
    version: int
    dtype: str  # first output's dtype
    shape: tuple[int, ...]  # first output's shape
    supported: bool  # the op alone is mappable
    on_tpu: bool  # after the one-segment rule
    reason: str  # why not (empty when on the TPU)
    macs: int
    stage: str  # "tpu", "cpu-before", "cpu-after"


def _op_support(graph: ModelGraph, op: OpInfo) -> tuple[bool, str]:
    """(mappable, reason when not) for one op on its own."""
    if op.name == COMPILED_OP:
        return False, "already compiled for the Edge TPU"
    if op.custom:
        return False, f"custom op {op.name}"
    if op.name not in SUPPORTED_OPS:
        return False, f"{op.name} is not supported by the Edge TPU"
    live = [graph.tensors[i] for i in (*op.inputs, *op.outputs) if i >= 0 and not graph.tensors[i].constant]
    if op.name == "QUANTIZE" and graph.tensors[op.inputs[0]].dtype not in EIGHT_BIT:
        return False, f"QUANTIZE from {graph.tensors[op.inputs[0]].dtype} (only 8-bit requantization maps)"
    for t in live:
        if t.dtype not in EIGHT_BIT:
            return False, f"tensor '{t.name[:40]}' is {t.dtype}, not 8-bit quantized"
        if any(d < 0 for d in t.shape_signature):
            return False, f"tensor '{t.name[:40]}' has a dynamic shape {list(t.shape_signature)}"
        if len(t.shape) > 3 and any(d > 1 for d in t.shape[:-3]):
            return False, f"tensor '{t.name[:40]}' {list(t.shape)}: only the 3 innermost dimensions may exceed 1"
    if op.name.startswith("RESIZE"):
        src, dst = graph.tensors[op.inputs[0]].shape, graph.tensors[op.outputs[0]].shape
        if op.options.get("align_corners"):
            return False, f"{op.name} with align_corners=True"
        if op.name == "RESIZE_NEAREST_NEIGHBOR" and op.options.get("half_pixel_centers"):
            return False, "RESIZE_NEAREST_NEIGHBOR with half_pixel_centers=True"
        if len(src) == 4 and len(dst) == 4 and (dst[1] % src[1] or dst[2] % src[2]):
            return False, f"{op.name} {src[1]}x{src[2]} -> {dst[1]}x{dst[2]} is not an integer upscale"
    return True, ""


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


def edgetpu_check(path: str | Path) -> dict[str, Any]:
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
        supported, reason = _op_support(graph, op)
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
        f"cut point: op {cut['index']} {cut['op']} ({cut['reason']}); everything that depends on it runs on the CPU"
        if cut
        else "cut point: none",
    ]
    return "\n".join(lines + summary) + "\n"
