"""Per-op time of a ``.tflite`` model, measured op by op with LiteRT (runtime only: numpy, LiteRT).

LiteRT's Python API exposes no op profiler (TFLite's profiler lives in the C++ ``benchmark_model``
tool), so this measures instead:

1. the whole model: median ``invoke()`` time over ``runs`` (after ``warmup``);
2. every op on its own: the op is cut out of the flatbuffer into a one-op model (same tensors,
   shapes, quantization and constant weights), fed the values its inputs had in a real run of the
   whole model (so shape tensors, indices and masks are genuine), and timed the same way.

What that means for the numbers: each isolated op is run by the same kernels the whole model uses
(XNNPACK where it takes the op, else LiteRT's built-in kernels) at the same thread count, but
without the whole model's cross-op fusion and with one ``invoke()`` overhead each, so the sum of
the ops is usually a little above the whole-model time; the split between ops is what the table
is for. Ops that call subgraphs (WHILE, IF, CALL_ONCE) cannot be cut out and are listed with no
time. The Edge TPU column is :func:`edgepose.edgetpu.edgetpu_check`'s verdict (int8 models).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..engine.flatbuffer import read_tflite, tflite_schema
from ..engine.litert import interpreter_class
from ..errors import EdgeposeError
from .latency import random_inputs, timed_ms

SUBGRAPH_OPS = ("WHILE", "IF", "CALL_ONCE", "CALL", "STABLEHLO_WHILE", "STABLEHLO_CASE")
MAX_PROFILE_RUNS = 10_000


def _single_op_model(model_t, op_index: int) -> tuple[bytes, list[int], list[int]]:
    """Flatbuffer bytes of a model holding only op ``op_index`` of subgraph 0; returns
    ``(bytes, original indices of its graph inputs, original indices of its outputs)``."""
    import copy

    import flatbuffers

    schema = tflite_schema()
    sub = model_t.subgraphs[0]
    op = copy.copy(sub.operators[op_index])
    used = [int(t) for t in [*op.inputs, *op.outputs, *(op.intermediates if op.intermediates is not None else [])] if t >= 0]
    order = list(dict.fromkeys(used))
    remap = {old: new for new, old in enumerate(order)}
    buffers = [schema.BufferT()]
    tensors = []
    for old in order:
        t = copy.copy(sub.tensors[old])
        src = model_t.buffers[t.buffer] if 0 < t.buffer < len(model_t.buffers) else None
        if src is not None and src.data is not None and len(src.data):
            buffers.append(src)
            t.buffer = len(buffers) - 1
        else:
            t.buffer = 0
        tensors.append(t)
    constant = {old for old in order if tensors[remap[old]].buffer > 0}
    variable = {old for old in order if sub.tensors[old].isVariable}
    outputs = [int(t) for t in op.outputs if t >= 0]
    inputs = [int(t) for t in op.inputs if t >= 0 and t not in constant and t not in variable and t not in outputs]
    inputs = list(dict.fromkeys(inputs))
    op.inputs = [remap[int(t)] if t >= 0 else -1 for t in op.inputs]
    op.outputs = [remap[int(t)] for t in op.outputs if t >= 0]
    if op.intermediates is not None:
        op.intermediates = [remap[int(t)] for t in op.intermediates if t >= 0]
    code = model_t.operatorCodes[op.opcodeIndex]
    op.opcodeIndex = 0
    new_sub = schema.SubGraphT()
    new_sub.tensors, new_sub.operators = tensors, [op]
    new_sub.inputs, new_sub.outputs = [remap[t] for t in inputs], [remap[t] for t in outputs]
    new = schema.ModelT()
    new.version, new.operatorCodes, new.subgraphs, new.buffers = model_t.version, [code], [new_sub], buffers
    new.description = b"edgepose profile: one op"
    builder = flatbuffers.Builder(1024)
    builder.Finish(new.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output()), inputs, outputs


def _median_ms(invoke, warmup: int, runs: int) -> float:
    return float(np.median(timed_ms(invoke, warmup, runs)))


def _feed(details: list[dict[str, Any]]) -> list[np.ndarray]:
    """Random inputs for interpreter ``details`` (the same ones every call: fixed seed)."""
    return random_inputs([(d["shape"], d["dtype"]) for d in details])


def bench_profile(
    model: str | Path,
    threads: int = 1,
    warmup: int = 5,
    runs: int = 50,
    on_start: Callable[[int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """``{"model", "threads", "runs", "method", "whole_model_ms", "sum_of_ops_ms", "ops": [{"index", "op",
    "shape", "dtype", "ms", "share", "edgetpu"}], "by_op_type": [{"op", "count", "ms", "share"}]}``.

    ``share`` is the op's fraction of the sum of the isolated op times (None for ops without a time).
    ``on_start(steps)`` once the model is read (one step per op plus the whole model), then
    ``on_progress(1)`` after the whole-model timing and after each op.
    """
    tick = on_progress or (lambda n: None)
    path = Path(model)
    if path.suffix.lower() != ".tflite":
        raise EdgeposeError(f"bench profile reads .tflite models; {path.name} is not one")
    if not (0 <= warmup <= MAX_PROFILE_RUNS and 1 <= runs <= MAX_PROFILE_RUNS):
        raise EdgeposeError(f"`warmup` must be in 0..{MAX_PROFILE_RUNS} and `runs` in 1..{MAX_PROFILE_RUNS}")
    graph = read_tflite(path)  # one clear error for missing, truncated or foreign files
    if graph.subgraphs < 1 or not graph.ops:
        raise EdgeposeError(f"{path} has no operators to profile")
    if on_start is not None:
        on_start(len(graph.ops) + 1)
    from ..engine.litert import make_interpreter

    cls = interpreter_class()
    whole = make_interpreter(path, threads=threads)
    in_details = whole.get_input_details()
    feed = _feed(in_details)
    for d, x in zip(in_details, feed):
        whole.set_tensor(d["index"], x)
    whole_ms = _median_ms(whole.invoke, warmup, runs)
    tick(1)
    # the values every tensor had in one real run: the isolated ops are fed these
    from .._quiet import quiet_stderr

    with quiet_stderr(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # LiteRT warns that preserving all tensors is for debugging: it is
        keeper = cls(model_path=str(path), num_threads=threads, experimental_preserve_all_tensors=True)
        keeper.allocate_tensors()
    for d, x in zip(in_details, feed):
        keeper.set_tensor(d["index"], x)
    keeper.invoke()
    values: dict[int, np.ndarray] = {}
    for d in keeper.get_tensor_details():
        try:
            values[d["index"]] = keeper.get_tensor(d["index"])
        except ValueError:
            pass
    del keeper
    verdicts = _edgetpu_verdicts(path)
    model_t = tflite_schema().ModelT.InitFromPackedBuf(path.read_bytes(), 0)
    rows = []
    for op in graph.ops:
        out = graph.tensors[op.outputs[0]] if op.outputs else None
        row = {
            "index": op.index,
            "op": op.name,
            "shape": list(out.shape) if out else [],
            "dtype": out.dtype if out else "",
            "ms": None,
            "edgetpu": verdicts.get(op.index, "n/a"),
            "note": "",
        }
        if op.name in SUBGRAPH_OPS or op.custom:
            row["note"] = "calls a subgraph or a custom kernel: not measured on its own"
            rows.append(row)
            tick(1)
            continue
        try:
            blob, inputs, _ = _single_op_model(model_t, op.index)
            with quiet_stderr():
                interp = cls(model_content=blob, num_threads=threads)
                interp.allocate_tensors()
            for d, old in zip(interp.get_input_details(), inputs):
                value = values.get(old)
                interp.set_tensor(d["index"], value if value is not None else _feed([d])[0])
            row["ms"] = _median_ms(interp.invoke, warmup, runs)
        except (ValueError, RuntimeError) as exc:
            row["note"] = f"could not be run on its own: {str(exc).splitlines()[0][:120]}"
        rows.append(row)
        tick(1)
    total = sum(r["ms"] for r in rows if r["ms"] is not None)
    for r in rows:
        r["share"] = r["ms"] / total if r["ms"] is not None and total > 0 else None
    by_type: dict[str, dict[str, Any]] = {}
    for r in rows:
        entry = by_type.setdefault(r["op"], {"op": r["op"], "count": 0, "ms": 0.0})
        entry["count"] += 1
        entry["ms"] += r["ms"] or 0.0
    for entry in by_type.values():
        entry["share"] = entry["ms"] / total if total > 0 else None
    return {
        "model": str(path),
        "threads": threads,
        "runs": runs,
        "warmup": warmup,
        "method": "isolated ops: each op cut out into a one-op model, fed its real inputs, median invoke() time",
        "whole_model_ms": whole_ms,
        "sum_of_ops_ms": total,
        "ops": rows,
        "by_op_type": sorted(by_type.values(), key=lambda e: -e["ms"]),
    }


def _edgetpu_verdicts(path: Path) -> dict[int, str]:
    """``{op index: "TPU" | "CPU: reason"}`` for int8 models; empty for float models."""
    from ..edgetpu import edgetpu_check

    try:
        report = edgetpu_check(path)
    except EdgeposeError:
        return {}
    return {o["index"]: "TPU" if o["on_tpu"] else f"CPU ({o['reason']})" for o in report["ops"]}


def profile_markdown(report: dict[str, Any], top: int = 10) -> str:
    """The per-op table, the op types by time and the ``top`` ops."""
    lines = [
        f"per-op profile of {Path(report['model']).name}: {report['threads']} thread(s), median of {report['runs']} runs",
        f"method: {report['method']}",
        f"whole model: {report['whole_model_ms']:.3f} ms; sum of isolated ops: {report['sum_of_ops_ms']:.3f} ms",
        "",
        "| # | op | shape | ms | % of total | Edge TPU |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in report["ops"]:
        ms = f"{r['ms']:.4f}" if r["ms"] is not None else "-"
        share = f"{100 * r['share']:.1f}" if r["share"] is not None else "-"
        verdict = r["edgetpu"] + (f"; {r['note']}" if r["note"] else "")
        lines.append(f"| {r['index']} | {r['op']} | {'x'.join(map(str, r['shape']))} | {ms} | {share} | {verdict} |")
    lines += ["", "| op type | count | ms | % of total |", "| --- | --- | --- | --- |"]
    for e in report["by_op_type"]:
        share = f"{100 * e['share']:.1f}" if e["share"] is not None else "-"
        lines.append(f"| {e['op']} | {e['count']} | {e['ms']:.4f} | {share} |")
    timed = sorted((r for r in report["ops"] if r["ms"] is not None), key=lambda r: -r["ms"])[:top]
    lines += ["", f"top {len(timed)} ops:"]
    lines += [f"  {i + 1}. #{r['index']} {r['op']} {'x'.join(map(str, r['shape']))}: {r['ms']:.4f} ms ({100 * r['share']:.1f} %)"
              for i, r in enumerate(timed)]  # fmt: skip
    return "\n".join(lines) + "\n"


def profile_png(report: dict[str, Any], top: int = 20) -> bytes:
    """A horizontal bar chart of the ``top`` ops by time, drawn with OpenCV (no matplotlib needed)."""
    import cv2

    timed = sorted((r for r in report["ops"] if r["ms"] is not None), key=lambda r: -r["ms"])[:top]
    bar_h, left, width = 22, 330, 900
    height = 60 + bar_h * max(len(timed), 1)
    img = np.full((height, width, 3), 255, np.uint8)
    title = f"{Path(report['model']).name}: top {len(timed)} ops, {report['threads']} thread(s) (isolated-op median ms)"
    cv2.putText(img, title, (10, 25), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    longest = timed[0]["ms"] if timed else 1.0
    for i, r in enumerate(timed):
        y = 45 + i * bar_h
        label = f"#{r['index']} {r['op'][:18]} {'x'.join(map(str, r['shape']))[:16]}"
        cv2.putText(img, label, (10, y + 15), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (0, 0, 0), 1, cv2.LINE_AA)
        length = int((width - left - 120) * r["ms"] / longest) if longest > 0 else 0
        color = (80, 160, 60) if r["edgetpu"] == "TPU" else (60, 60, 200) if r["edgetpu"].startswith("CPU") else (150, 150, 150)
        cv2.rectangle(img, (left, y + 3), (left + max(length, 1), y + bar_h - 3), color, -1)
        cv2.putText(img, f"{r['ms']:.3f} ms", (left + length + 6, y + 15), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (0, 0, 0), 1,
                    cv2.LINE_AA)  # fmt: skip
    ok, png = cv2.imencode(".png", img)
    if not ok:  # pragma: no cover - OpenCV always encodes a uint8 image
        raise EdgeposeError("could not encode the profile PNG")
    return png.tobytes()
