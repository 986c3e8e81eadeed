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
