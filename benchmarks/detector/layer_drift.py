"""Where an int8 model drifts from its float twin, layer by layer, and why (the analysis that found
YOLOX-nano's int8 loss; README "Person detector to int8").

TFLite's per-layer report (``quantize --layer-report``) measures each op's error in int8 steps with
float inputs; a step that is too coarse for the signal looks like "pure rounding" there. This runs
the float and the int8 model (same op order) on the same inputs and prints, per op output:
the cumulative relative error ``rms(int8 - float) / std(float)``, the int8 step, and the share of
channels whose std is under two steps (one per-tensor step for channels of very different size).

    .venv/bin/python benchmarks/detector/layer_drift.py FLOAT.tflite INT8.tflite PHOTOS_DIR [--images 8] [--top 20]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from edgepose.engine.litert import interpreter_class
from edgepose.runtime.detectors import yolox_letterbox
from edgepose.transforms import IMAGE_SUFFIXES, load_rgb


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("float_model", type=Path)
    ap.add_argument("int8_model", type=Path)
    ap.add_argument("photos", type=Path)
    ap.add_argument("--images", type=int, default=8)
    ap.add_argument("--top", type=int, default=20)
    args = ap.parse_args()
    cls = interpreter_class()
    f = cls(model_path=str(args.float_model), experimental_preserve_all_tensors=True, num_threads=2)
    q = cls(model_path=str(args.int8_model), experimental_preserve_all_tensors=True, num_threads=2)
    f.allocate_tensors()
    q.allocate_tensors()
    qops = [op for op in q._get_ops_details() if op["op_name"] != "DELEGATE"]  # noqa: SLF001 (a diagnostic script)
    qdet = {d["index"]: d for d in q.get_tensor_details()}
    fnames = {d["name"]: d["index"] for d in f.get_tensor_details()}
    size = tuple(int(v) for v in f.get_input_details()[0]["shape"][1:3][::-1])
    files = sorted(p for p in args.photos.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)[: args.images]
    stats: dict[int, list] = {}
    for path in files:
        x = yolox_letterbox(load_rgb(path), size)[0][None].astype(np.float32)
        f.set_tensor(f.get_input_details()[0]["index"], x)
        f.invoke()
        qi = q.get_input_details()[0]
        s, z = qi["quantization"]
        q.set_tensor(qi["index"], np.clip(np.round(x / s + z), -128, 127).astype(np.int8))
        q.invoke()
        for qo in qops:
            d = qdet[qo["outputs"][0]]
            if qo["op_name"] in ("CONV_2D", "DEPTHWISE_CONV_2D") or d["name"] not in fnames:
                continue  # pre-activation tensors: a floored SiLU input differs where it does not matter
            ref = f.get_tensor(fnames[d["name"]]).astype(np.float64)
            scale, zero = d["quantization"]
            if not scale or ref.shape != q.get_tensor(d["index"]).shape:
                continue
            got = (q.get_tensor(d["index"]).astype(np.float64) - zero) * scale
            rel = np.sqrt(np.mean((got - ref) ** 2)) / (ref.std() + 1e-12)
            chan_std = ref.reshape(-1, ref.shape[-1]).std(0)
            stats.setdefault(qo["index"], []).append((rel, scale, float((chan_std < 2 * scale).mean()), qo["op_name"]))
    rows = [(k, np.mean([r[0] for r in v]), v[0][1], np.mean([r[2] for r in v]), v[0][3]) for k, v in sorted(stats.items())]
    print(f"{len(files)} photos; op outputs in execution order (first {args.top}), then the most imbalanced")
    print("| op | type | relative error vs float | int8 step | channels under 2 steps |")
    print("|---|---|---|---|---|")
    for k, rel, scale, imb, name in rows[: args.top]:
        print(f"| {k} | {name} | {rel:.3f} | {scale:.3g} | {imb:.0%} |")
    print()
    for k, rel, scale, imb, name in sorted(rows, key=lambda r: -r[3])[:5]:
        print(f"| {k} | {name} | {rel:.3f} | {scale:.3g} | {imb:.0%} |")


if __name__ == "__main__":
    main()
