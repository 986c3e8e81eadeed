"""Input pipeline throughput vs. the training step rate of the default model.

    python benchmarks/input_pipeline.py [--data ANN.json --images DIR] [--batches 30]

Without --data it renders 300 synthetic images first. Prints images/s of the tf.data input
pipeline alone (parallel decode + warp + augmentation + heatmap encoding) and of training
steps on random tensors (no input work), and their ratio (the input must be >= 2x).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data")
    ap.add_argument("--images")
    ap.add_argument("--model", default="edgehrnet-t")
    ap.add_argument("--input", default="128x96")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--batches", type=int, default=30)
    ap.add_argument("--parallel", type=int, default=0, help="map parallelism (0: AUTOTUNE; training uses 2)")
    args = ap.parse_args()
    from edgepose._tf import import_tensorflow

    tf = import_tensorflow()
    from edgepose.codec import codec_for
    from edgepose.data.coco import load_coco, person_records
    from edgepose.data.samples import Augment, ImageCache
    from edgepose.data.synth_writer import write_synth
    from edgepose.data.tf_pipeline import make_dataset
    from edgepose.models import create_model
    from edgepose.train import make_train_step

    h, w = (int(v) for v in args.input.split("x"))
    tmp = None
    if args.data:
        ann, images = Path(args.data), Path(args.images)
    else:
        tmp = tempfile.TemporaryDirectory()
        ann = write_synth(tmp.name, 300, seed=0)
        images = Path(tmp.name) / "images"
    records = person_records(load_coco(ann), images)
    codec = codec_for((w, h))
    cache = ImageCache()

    def rate(ds, n):
        it = iter(ds)
        next(it)  # warm-up (first decode of the images fills the cache, tracing)
        t0 = time.perf_counter()
        done = 0
        for _ in range(n):
            try:
                next(it)
            except StopIteration:
                break
            done += 1
        return done * args.batch / (time.perf_counter() - t0)

    # the input pipeline alone, two epochs so the image cache is warm
    t0 = time.perf_counter()
    n_cold = 0
    for x, _, _ in make_dataset(
        records, codec, args.batch, Augment.strong(), seed=0, epoch=0, cache=cache, parallel=args.parallel or None
    ):
        n_cold += int(x.shape[0])
    cold_rate = n_cold / (time.perf_counter() - t0)
    input_rate = rate(
        make_dataset(records, codec, args.batch, Augment.strong(), seed=0, epoch=1, cache=cache, parallel=args.parallel or None),
        args.batches,
    )

    model = create_model(args.model, (w, h))
    opt = tf.keras.optimizers.AdamW(1e-3)

    step = tf.function(make_train_step(model, opt))

    x = tf.constant(np.random.uniform(0, 255, (args.batch, h, w, 3)).astype(np.float32))
    y = tf.zeros((args.batch, h // 4, w // 4, 17))
    wt = tf.ones((args.batch, 17))
    step(x, y, wt)
    t0 = time.perf_counter()
    for _ in range(args.batches):
        step(x, y, wt).numpy()
    train_rate = args.batches * args.batch / (time.perf_counter() - t0)
    par = args.parallel or "AUTOTUNE"
    print(f"people: {len(records)}, input {h}x{w} (HxW), batch {args.batch}, map parallelism {par}")
    print(f"input pipeline, first epoch (JPEG decode + warp + augmentation + encode): {cold_rate:.0f} images/s")
    print(f"input pipeline, later epochs (decoded images cached): {input_rate:.0f} images/s")
    print(f"training steps of {args.model} on ready tensors: {train_rate:.0f} images/s")
    print(f"ratio: {input_rate / train_rate:.1f}x")
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
