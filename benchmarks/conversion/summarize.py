"""The conversion table from benchmarks/conversion/table.sh's folder: one Markdown row per model.

    python benchmarks/conversion/summarize.py runs/conversion edgehrnet-m pptinypose
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def ap(out: Path, name: str) -> str:
    path = out / f"acc_{name}" / "accuracy.json"
    return f"{json.loads(path.read_text())['AP']:.3f}" if path.is_file() else "failed"


def main(out: Path, models: list[str]) -> None:
    print("| model | .keras | ONNX (onnxruntime) | fp32 TFLite | int8 TFLite (convert) | int8 (quantize of the .keras) "
          "| int8 ops | Edge TPU ops | ONNX ms | int8 ms |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in models:
        tpu_path = out / f"{name}_int8_edgetpu.json"
        tpu = json.loads(tpu_path.read_text()) if tpu_path.is_file() else None
        lat_path = out / f"{name}_latency.json"
        lat = {Path(r["model"]).suffix: r["median_ms"] for r in json.loads(lat_path.read_text())} if lat_path.is_file() else {}
        cells = [
            name,
            ap(out, f"{name}_coco17.keras"),
            ap(out, f"{name}.onnx"),
            ap(out, f"{name}_fp32.tflite"),
            ap(out, f"{name}_int8.tflite"),
            ap(out, f"{name}_quantize_int8.tflite"),
            str(tpu["ops_total"]) if tpu else "-",
            f"{tpu['ops_on_tpu']}/{tpu['ops_total']} ({100 * tpu['op_share']:.0f} %), {tpu['segments']} partition(s)"
            if tpu
            else "-",
            f"{lat['.onnx']:.2f}" if ".onnx" in lat else "-",
            f"{lat['.tflite']:.2f}" if ".tflite" in lat else "-",
        ]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:])
