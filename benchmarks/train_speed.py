"""Training-step throughput per model and input size on this machine (no input work).

    python benchmarks/train_speed.py [--models edgehrnet-t,edgehrnet-s] [--inputs 128x96,192x144,256x192]

For each (model, HxW) pair: parameters, MACs and images/s of a full training step (forward,
loss, backward, AdamW) on random tensors, after one traced warm-up step. This is the figure
used to choose the training input size within a fixed time budget.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="edgehrnet-t,edgehrnet-s,litehrnet-18")
    ap.add_argument("--inputs", default="128x96,192x144,256x192")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=15.0, help="time per pair")
    args = ap.parse_args()
    from edgepose._tf import import_tensorflow

    tf = import_tensorflow()
    from edgepose.models import create_model
    from edgepose.models.info import model_info
    from edgepose.train import make_train_step

    print("| model | input HxW | params (M) | MACs (M) | train images/s |")
    print("| --- | --- | --- | --- | --- |")
    for name in args.models.split(","):
        for size in args.inputs.split(","):
            h, w = (int(v) for v in size.split("x"))
            model = create_model(name, (w, h))
            info = model_info(name, (w, h))
            opt = tf.keras.optimizers.AdamW(1e-3)

            step = tf.function(make_train_step(model, opt))

            x = tf.constant(np.random.uniform(0, 255, (args.batch, h, w, 3)).astype(np.float32))
            y = tf.zeros((args.batch, h // 4, w // 4, 17))
            wt = tf.ones((args.batch, 17))
            step(x, y, wt).numpy()
            n, t0 = 0, time.perf_counter()
            while time.perf_counter() - t0 < args.seconds:
                step(x, y, wt).numpy()
                n += 1
            rate = n * args.batch / (time.perf_counter() - t0)
            print(f"| {name} | {h}x{w} | {info['params'] / 1e6:.3f} | {info['macs'] / 1e6:.1f} | {rate:.0f} |", flush=True)


if __name__ == "__main__":
    main()
