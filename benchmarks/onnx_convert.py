"""The ONNX -> int8 table: a PyTorch-born two-branch HRNet-style net (NCHW, ImageNet
normalisation) and an edgepose model exported with tf2onnx (NHWC, pixels 0..255), each
converted to fp32 and int8 TFLite through onnx2tf and compared with onnxruntime.

    python benchmarks/onnx_convert.py --keras MODEL.keras --calib CALIB_DIR --out DIR

Prints a Markdown table: sizes, max abs error vs onnxruntime (with the output range), keypoints
within one heatmap pixel, and whether the ONNX file was left byte-identical.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from pathlib import Path


def torch_two_branch(path: Path, h: int, w: int) -> Path:
    import torch
    from torch import nn
    from torch.nn import functional as F

    class TwoBranch(nn.Module):
        def __init__(self, c=32):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, c, 3, 2, 1), nn.BatchNorm2d(c), nn.ReLU(),
                                      nn.Conv2d(c, c, 3, 2, 1), nn.BatchNorm2d(c), nn.ReLU())  # fmt: skip
            self.high = nn.Sequential(nn.Conv2d(c, c, 3, 1, 1), nn.BatchNorm2d(c), nn.ReLU())
            self.low = nn.Sequential(nn.Conv2d(c, 2 * c, 3, 2, 1), nn.BatchNorm2d(2 * c), nn.ReLU(),
                                     nn.Conv2d(2 * c, 2 * c, 3, 1, 1, groups=2 * c), nn.Conv2d(2 * c, 2 * c, 1))  # fmt: skip
            self.fuse = nn.Conv2d(2 * c, c, 1)
            self.head = nn.Conv2d(c, 17, 1)

        def forward(self, x):
            x = self.stem(x)
            return self.head(F.relu(self.high(x) + F.interpolate(self.fuse(self.low(x)), scale_factor=2, mode="nearest")))

    torch.manual_seed(0)
    torch.onnx.export(TwoBranch().eval(), torch.randn(1, 3, h, w), str(path), input_names=["input"],
                      output_names=["heatmaps"], opset_version=17, dynamo=False)  # fmt: skip
    return path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--keras", required=True)
    ap.add_argument("--calib", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    from converters.keras_onnx import export_onnx
    from converters.onnx_tflite import convert_onnx
    from edgepose.quantize import load_calibration

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    calib = load_calibration(args.calib)
    h, w = calib.shape[1:3]
    sources = []
    try:
        torch_onnx = torch_two_branch(out / "torch_two_branch.onnx", h, w)
        sources.append(("PyTorch two-branch (NCHW, ImageNet norm.)", torch_onnx, "imagenet"))
    except ImportError:
        print("torch not installed: skipping the PyTorch model")
    export_onnx(args.keras, out / "edgepose.onnx")
    sources.append(("edgepose via tf2onnx (NHWC, 0..255)", out / "edgepose.onnx", "raw"))
    norms = {"imagenet": ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)), "raw": ((0, 0, 0), (1 / 255,) * 3)}
    print("| model | ONNX KiB | format | TFLite KiB | max abs error (output range) | keypoints within 1 heatmap px "
          "| input unchanged | s |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for label, src, norm in sources:
        digest = hashlib.sha256(src.read_bytes()).hexdigest()
        for fmt in ("fp32", "int8"):
            t0 = time.time()
            res = convert_onnx(src, out / f"{src.stem}_{fmt}.tflite", fmt, calib=calib, mean=norms[norm][0], std=norms[norm][1])
            c = res["compare"]
            same = hashlib.sha256(src.read_bytes()).hexdigest() == digest
            print(
                f"| {label} | {src.stat().st_size / 1024:.0f} | {fmt} | {res['verify']['size_bytes'] / 1024:.0f} | "
                f"{c['max_abs_error']:.4f} ([{c['output_range'][0]:.2f}, {c['output_range'][1]:.2f}]) | "
                f"{100 * c['keypoint_agreement']:.1f} % | {'yes' if same else 'NO'} | {time.time() - t0:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
