"""Custom Keras layers that convert to a single, Edge-TPU-friendly TFLite op."""

from __future__ import annotations

import keras


@keras.saving.register_keras_serializable(package="edgepose")
class NearestUpsample(keras.layers.Layer):
    """Integer-factor nearest-neighbour upsampling as one RESIZE_NEAREST_NEIGHBOR op.

    Uses ``half_pixel_centers=False, align_corners=False`` (the variant the Edge TPU maps);
    for integer factors it gives the same pixels as the half-pixel variant.
    Requires the TensorFlow backend (training and conversion use it).
    """

    def __init__(self, factor: int, **kwargs):
        super().__init__(**kwargs)
        self.factor = int(factor)

    def call(self, x):
        import tensorflow as tf

        h, w = x.shape[1], x.shape[2]
        return tf.raw_ops.ResizeNearestNeighbor(
            images=x, size=[h * self.factor, w * self.factor], align_corners=False, half_pixel_centers=False
        )

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        return (n, h * self.factor, w * self.factor, c)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


@keras.saving.register_keras_serializable(package="edgepose")
class ChannelSlice(keras.layers.Layer):
    """``x[..., start:start + size]`` as a serialisable layer (no Lambda: .keras files load safely)."""

    def __init__(self, start: int, size: int, **kwargs):
        super().__init__(**kwargs)
        self.start, self.size = int(start), int(size)

    def call(self, x):
        return x[..., self.start : self.start + self.size]

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.size)

    def get_config(self):
        return {**super().get_config(), "start": self.start, "size": self.size}


@keras.saving.register_keras_serializable(package="edgepose")
class PixelNormalize(keras.layers.Layer):
    """``(pixel / 255 - mean) / std`` per RGB channel: ImageNet-style normalisation inside the model,
    so its input stays RGB ``[0, 255]`` like every edgepose model (one MUL + ADD in TFLite)."""

    def __init__(self, mean: tuple[float, ...], std: tuple[float, ...], **kwargs):
        super().__init__(**kwargs)
        self.mean, self.std = tuple(float(m) for m in mean), tuple(float(s) for s in std)

    def call(self, x):
        import numpy as np

        scale = np.asarray([1.0 / (255.0 * s) for s in self.std], "float32")
        offset = np.asarray([-m / s for m, s in zip(self.mean, self.std)], "float32")
        return x * scale + offset

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "mean": list(self.mean), "std": list(self.std)}


@keras.saving.register_keras_serializable(package="edgepose")
class BilinearUpsample2x(keras.layers.Layer):
    """Bilinear x2 resize as one RESIZE_BILINEAR op. ``align_corners=True`` is Paddle's head
    (``F.interpolate(..., align_corners=True)``, which the Edge TPU does not map); ``False`` uses
    half-pixel centres (maps). Requires the TensorFlow backend."""

    def __init__(self, align_corners: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.align_corners = bool(align_corners)

    def call(self, x):
        import tensorflow as tf

        h, w = x.shape[1], x.shape[2]
        return tf.raw_ops.ResizeBilinear(
            images=x, size=[2 * h, 2 * w], align_corners=self.align_corners, half_pixel_centers=not self.align_corners
        )

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        return (n, 2 * h, 2 * w, c)

    def get_config(self):
        return {**super().get_config(), "align_corners": self.align_corners}


@keras.saving.register_keras_serializable(package="edgepose")
class InterleaveShuffle(keras.layers.Layer):
    """Channel shuffle (groups 2) of ``concat([a, b])`` written as an interleave: ``a`` and ``b``
    reshaped to ``[N, H*W, C/2, 1]``, concatenated on the last axis, reshaped to ``[N, H, W, C]``.
    Exactly the 5-D reshape/transpose shuffle, but only RESHAPE/CONCATENATION in TFLite (the Edge
    TPU maps them; it refuses tensors of more than 4 dimensions)."""

    def call(self, inputs):
        import tensorflow as tf

        a, b = inputs
        h, w, c = a.shape[1], a.shape[2], a.shape[3]
        a = tf.reshape(a, (-1, h * w, c, 1))
        b = tf.reshape(b, (-1, h * w, c, 1))
        return tf.reshape(tf.concat([a, b], axis=-1), (-1, h, w, 2 * c))

    def compute_output_shape(self, input_shapes):
        n, h, w, c = input_shapes[0]
        return (n, h, w, 2 * c)
