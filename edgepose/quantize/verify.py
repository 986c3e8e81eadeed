"""Verification of a converted model: op list, every tensor's dtype/shape, static shapes, int8 purity."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from ..errors import EdgeposeError


def verify_tflite(path: str | Path, expect: str = "fp32", allow_float: bool = False) -> dict[str, Any]:
    """Inspect ``path`` with LiteRT; raise EdgeposeError when an ``int8`` model holds float ops
    (unless ``allow_float``) or any tensor has a dynamic dimension.

    Returns ``{"ops": {name: count}, "float_ops": [...], "inputs": [...], "outputs": [...],
    "size_bytes", "output_quantization"}``.
    """
    from ..engine.flatbuffer import read_tflite
    from ..engine.litert import make_interpreter

    interp = make_interpreter(path, threads=1, xnnpack=False)
    tensors = {t["index"]: t for t in interp.get_tensor_details()}
    graph = read_tflite(path)  # the op list from the file itself (LiteRT exposes it only privately)
    counts = Counter(op.name for op in graph.ops)
    float_ops = []
    for op in graph.ops:
        if op.name in ("QUANTIZE", "DEQUANTIZE"):
            continue
        outs = [graph.tensor(i) for i in op.outputs]
        if any(t is not None and t.dtype.startswith("FLOAT") for t in outs):
            float_ops.append(op.name)
    dynamic = [t["name"] for t in tensors.values() if len(t.get("shape_signature", [])) and (t["shape_signature"] < 0).any()]

    def describe(details):
        out = []
        for d in details:
            scale, zero = d["quantization"]
            out.append(
                {
                    "name": d["name"],
                    "shape": d["shape"].tolist(),
                    "dtype": d["dtype"].__name__,
                    "scale": scale,
                    "zero_point": zero,
                }
            )
        return out

    report = {
        "path": str(path),
        "size_bytes": Path(path).stat().st_size,
        "ops": dict(sorted(counts.items())),
        "float_ops": sorted(set(float_ops)),
        "inputs": describe(interp.get_input_details()),
        "outputs": describe(interp.get_output_details()),
        "dynamic_tensors": dynamic,
    }
    if dynamic:
        raise EdgeposeError(f"{path}: tensors with dynamic dimensions: {', '.join(dynamic[:5])}; export with a fixed input size")
    quantized = [t for t in tensors.values() if t["dtype"].__name__ in ("int8", "uint8", "int16") and t["quantization"][0]]
    if expect == "int8" and not quantized:
        raise EdgeposeError(
            f"{path} is a float model (no quantized tensors), not int8: convert it with "
            "'edgepose quantize MODEL.keras --format int8 --calib DIR'"
        )
    if expect == "int8" and float_ops and not allow_float:
        raise EdgeposeError(f"{path}: 'int8' model still has float ops: {', '.join(sorted(set(float_ops)))}")
    return report
