"""Build the legacy-shaped pose fixture of issue 33 with real weights (needs PyTorch: pip install torch==2.13.0).

A MobileNetV2 "simple baseline" (ReLU6, BatchNorm, inverted residuals; width 0.35) whose head is three
*depthwise* ConvTranspose layers (kernel 4, stride 2, groups = channels, each followed by BN, ReLU6 and a
1x1 conv), the shape of the MXNet/GluonCV exports people still convert. Trained briefly on LSPET's
training half (all but its last HOLDOUT people, which stay for the gate), exported at opset 9 with
the TorchScript exporter and rewritten the way an IR 3 exporter writes files (ir_version 3, opset 8,
every initializer also a graph input, tests/legacy_onnx.as_ir3). Targets: edgepose's gaussian codec
(sigma 2), crops: edgepose's crop_person, input ImageNet-normalised NCHW floats.

    python benchmarks/legacy_simplebaseline/make_fixture.py --lspet ../shared/data/lspet \
        --out tests/fixtures/legacy_simplebaseline_ir3.onnx
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

INPUT = (96, 128)  # (width, height)
HOLDOUT = 200
PEAK_WEIGHT = 20.0
MEAN = np.array([0.485, 0.456, 0.406], np.float32)
STD = np.array([0.229, 0.224, 0.225], np.float32)


def build(width: float = 0.35):
    import torch
    from torch import nn

    def c(ch: float) -> int:
        return max(8, int(ch * width + 4) // 8 * 8)

    def conv_bn(i, o, k=3, s=1, groups=1, act=True):
        layers = [nn.Conv2d(i, o, k, s, k // 2, groups=groups, bias=False), nn.BatchNorm2d(o)]
        return nn.Sequential(*layers, nn.ReLU6()) if act else nn.Sequential(*layers)

    class Inverted(nn.Module):
        def __init__(self, i, o, s, t):
            super().__init__()
            h = i * t
            self.res = s == 1 and i == o
            self.body = nn.Sequential(
                *([conv_bn(i, h, 1)] if t != 1 else []), conv_bn(h, h, 3, s, groups=h), conv_bn(h, o, 1, act=False)
            )

        def forward(self, x):
            return x + self.body(x) if self.res else self.body(x)

    cfg = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
    layers, ch = [conv_bn(3, c(32), 3, 2)], c(32)
    for t, o, n, s in cfg:
        for k in range(n):
            layers.append(Inverted(ch, c(o), s if k == 0 else 1, t))
            ch = c(o)
    head_ch = 128
    layers.append(conv_bn(ch, head_ch, 1))
    for _ in range(3):  # the legacy head: depthwise deconvolutions, one group per channel
        layers += [
            nn.ConvTranspose2d(head_ch, head_ch, 4, 2, 1, groups=head_ch, bias=False),
            nn.BatchNorm2d(head_ch),
            nn.ReLU6(),
            conv_bn(head_ch, head_ch, 1),
        ]
    layers.append(nn.Conv2d(head_ch, 17, 1))
    torch.manual_seed(0)
    return nn.Sequential(*layers)


def samples(coco, images, records, epochs_seed: int):
    """Crops (uint8 NHWC), gaussian heatmaps and weights for ``records``: flip/scale/rotation as edgepose's basic recipe."""
    from edgepose.codec import codec_for
    from edgepose.data.samples import Augment, make_sample
    from edgepose.transforms import load_rgb

    codec = codec_for(INPUT, sigma=2.0, name="gaussian")
    rng = np.random.default_rng(epochs_seed)
    xs, ys, ws = [], [], []
    for r in records:
        x, y, w = make_sample(load_rgb(r["file"]), r, codec, rng, Augment())
        xs.append(x)
        ys.append(y)
        ws.append(w)
    return np.stack(xs), np.stack(ys), np.stack(ws)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lspet", type=Path, default=REPO.parent / "shared" / "data" / "lspet")
    ap.add_argument("--out", type=Path, default=REPO / "tests" / "fixtures" / "legacy_simplebaseline_ir3.onnx")
    ap.add_argument("--minutes", type=float, default=12.0)
    args = ap.parse_args()

    import onnx
    import torch
    from legacy_onnx import as_ir3

    from edgepose.data.coco import load_coco, person_records

    torch.set_num_threads(2)
    coco = load_coco(args.lspet / "person_keypoints_train.json")
    records = person_records(coco, args.lspet / "images")
    train = records[:-HOLDOUT]
    model = build()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    t0, epoch, log = time.time(), 0, []
    pool = None
    while time.time() - t0 < args.minutes * 60:
        for group in opt.param_groups:  # cosine decay over the time budget
            group["lr"] = 3e-3 * 0.5 * (1 + np.cos(np.pi * min(1.0, (time.time() - t0) / (args.minutes * 60))))
        if epoch % 5 == 0:  # fresh augmentations every fifth epoch (crop building is the slow part)
            pool = samples(coco, args.lspet / "images", train, epoch)
        x_all, y_all, w_all = pool
        order = np.random.default_rng(epoch).permutation(len(x_all))
        model.train()
        losses = []
        for i in range(0, len(order) - 31, 32):
            idx = order[i : i + 32]
            x = torch.from_numpy(((x_all[idx].astype(np.float32) / 255 - MEAN) / STD).transpose(0, 3, 1, 2).copy())
            y = torch.from_numpy(y_all[idx].transpose(0, 3, 1, 2).copy())
            w = torch.from_numpy(w_all[idx])[:, :, None, None]
            # MSE with the peaks weighted up: plain MSE sits for thousands of steps at the all-zero answer
            loss = (((model(x) - y) ** 2) * (1 + PEAK_WEIGHT * y) * w).mean() * 1000
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(float(loss))
        epoch += 1
        log.append({"epoch": epoch, "loss": float(np.mean(losses)), "seconds": round(time.time() - t0)})
        print(json.dumps(log[-1]), flush=True)
    model.eval()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    work = args.out.with_suffix(".opset9.onnx")
    dummy = torch.zeros(1, 3, INPUT[1], INPUT[0])
    torch.onnx.export(model, dummy, str(work), opset_version=9, input_names=["data"], output_names=["heatmaps"],
                      dynamo=False, do_constant_folding=True)  # fmt: skip
    exported = onnx.load(str(work))
    work.unlink()
    legacy = as_ir3(exported, bn_after_first_conv=False)
    onnx.checker.check_model(legacy)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(legacy, str(args.out))
    ops = {}
    for n in legacy.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    about = {"epochs": epoch, "log": log, "ops": ops, "ir_version": legacy.ir_version,
             "opset": legacy.opset_import[0].version, "holdout_people": HOLDOUT, "input": list(INPUT)}  # fmt: skip
    args.out.with_suffix(".json").write_text(json.dumps(about, indent=1))
    print(json.dumps({k: about[k] for k in ("epochs", "ops", "ir_version", "opset")}))


if __name__ == "__main__":
    main()
