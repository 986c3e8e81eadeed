"""``tf.data`` input pipeline: parallel OpenCV decode, affine warp, augmentation and heatmap encoding.

Each batch is made by :func:`edgepose.data.samples.make_sample` inside one ``tf.numpy_function``
call (OpenCV releases the GIL while it decodes and warps); batches are mapped in parallel with
``num_parallel_calls``.
Randomness is per sample, seeded by ``(seed, epoch, index)``, so an epoch is reproducible
whatever the parallelism.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..codecs import HeatmapCodec
from ..errors import EdgeposeError
from .samples import Augment, ImageCache, make_sample


def make_dataset(
    records: list[dict[str, Any]],
    codec: HeatmapCodec,
    batch_size: int,
    augment: Augment,
    seed: int,
    epoch: int,
    cache: ImageCache | None = None,
    parallel: int | None = None,
    soft: Any = None,
    soft_alpha: float = 0.0,
    errors: list | None = None,
):
    """One shuffled epoch as a ``tf.data.Dataset`` of ``(images f32 [B,H,W,3], heatmaps [B,h,w,K],
    weights [B,K])``; the last partial batch is dropped. ``soft``/``soft_alpha``: teacher heatmaps
    blended into the targets (:func:`~edgepose.data.samples.make_sample`). ``errors``: a list that
    gets every EdgeposeError a batch raised (an unreadable image...): TensorFlow re-raises it wrapped
    in its own error and traceback, so the caller can report the original one line instead."""
    from .._tf import import_tensorflow

    tf = import_tensorflow()
    cache = cache or ImageCache()
    w_in, h_in = codec.input_size
    w_hm, h_hm = codec.heatmap_size
    k = 17
    order = np.random.default_rng([seed, epoch]).permutation(len(records)).astype(np.int64)
    n_batches = len(order) // batch_size

    def load_batch(indices: np.ndarray):
        items = []
        for index in indices:
            i = int(index)
            rng = np.random.default_rng([seed, epoch, i])
            try:
                image = cache.get(records[i]["file"])
            except EdgeposeError as exc:
                if errors is not None:
                    errors.append(exc)
                raise
            items.append(make_sample(image, records[i], codec, rng, augment, soft, soft_alpha))
        return (
            np.stack([it[0] for it in items]).astype(np.float32),
            np.stack([it[1] for it in items]),
            np.stack([it[2] for it in items]),
        )

    def tf_load(indices):
        crops, heatmaps, weights = tf.numpy_function(load_batch, [indices], [tf.float32, tf.float32, tf.float32], stateful=False)
        crops.set_shape((batch_size, h_in, w_in, 3))
        heatmaps.set_shape((batch_size, h_hm, w_hm, k))
        weights.set_shape((batch_size, k))
        return crops, heatmaps, weights

    # batch the indices first: one numpy_function call makes a whole batch (far less per-element
    # tf.data overhead, which competes with training for the 2 cores)
    ds = tf.data.Dataset.from_tensor_slices(order[: n_batches * batch_size].reshape(n_batches, batch_size))
    ds = ds.map(tf_load, num_parallel_calls=parallel or tf.data.AUTOTUNE, deterministic=True).prefetch(2)
    if parallel:  # a fixed budget: no autotuning threads competing with the training step
        options = tf.data.Options()
        options.autotune.enabled = False
        options.threading.private_threadpool_size = parallel
        ds = ds.with_options(options)
    return ds
