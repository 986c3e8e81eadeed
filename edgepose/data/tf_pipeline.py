"""``tf.data`` input pipeline: parallel OpenCV decode, affine warp, augmentation and heatmap encoding.

Each element is made by :func:`edgepose.data.samples.make_sample` inside ``tf.numpy_function``
(OpenCV releases the GIL while it decodes and warps), mapped with ``num_parallel_calls``.
Randomness is per sample, seeded by ``(seed, epoch, index)``, so an epoch is reproducible
whatever the parallelism.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..codec import GaussianHeatmapCodec
from .samples import Augment, ImageCache, make_sample


def make_dataset(
    records: list[dict[str, Any]],
    codec: GaussianHeatmapCodec,
    batch_size: int,
    augment: Augment,
    seed: int,
    epoch: int,
    cache: ImageCache | None = None,
    parallel: int | None = None,
):
    """One shuffled epoch as a ``tf.data.Dataset`` of ``(images f32 [B,H,W,3], heatmaps [B,h,w,K],
    weights [B,K])``; the last partial batch is dropped."""
    from .._tf import import_tensorflow

    tf = import_tensorflow()
    cache = cache or ImageCache()
    w_in, h_in = codec.input_size
    w_hm, h_hm = codec.heatmap_size
    k = 17
    order = np.random.default_rng([seed, epoch]).permutation(len(records)).astype(np.int64)

    def load(index: np.int64):
        i = int(index)
        rng = np.random.default_rng([seed, epoch, i])
        crop, heatmaps, weights = make_sample(cache.get(records[i]["file"]), records[i], codec, rng, augment)
        return crop.astype(np.float32), heatmaps, weights

    def tf_load(index):
        crop, heatmaps, weights = tf.numpy_function(load, [index], [tf.float32, tf.float32, tf.float32], stateful=False)
        crop.set_shape((h_in, w_in, 3))
        heatmaps.set_shape((h_hm, w_hm, k))
        weights.set_shape((k,))
        return crop, heatmaps, weights

    ds = tf.data.Dataset.from_tensor_slices(order)
    ds = ds.map(tf_load, num_parallel_calls=parallel or tf.data.AUTOTUNE, deterministic=True)
    return ds.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)
