"""Training with the int8 quantizer in the loop (quantization-aware fine-tuning).

:func:`quantizer_in_the_loop` rebuilds a functional Keras model so that its forward pass sees what
the full-int8 TFLite file will compute:

- weights of every Conv2D / DepthwiseConv2D / Dense fake-quantized **per output channel, symmetric,
  narrow range** (TFLite's int8 weights);
- activations fake-quantized **per tensor, asymmetric, 8 bits, zero exactly representable** at every
  tensor TFLite quantizes on its own: the outputs of convolutions, Adds, ReLUs and the input
  normalisation. A layer whose only consumer is a plain ReLU is not quantized before it (TFLite fuses
  the ReLU into its producer). Slices, concatenations, reshapes, transposes, padding and resizes add no
  quantizer, but TFLite gives their inputs and outputs one scale: every tensor of such a chain gets the
  chain's widest range, as in the converted file.

Gradients pass straight through inside the ranges (``tf.quantization.fake_quant_*``). The rebuilt
model **shares its variables** with the float model: training it trains the float weights, which
``quantize`` then converts with calibrated ranges as usual. Activation ranges are fixed per tensor by
:func:`calibrate_ranges` (min/max over crops, as TFLite's calibration) and re-measured as the
weights move.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .equalize import _nodes, _relu_is_plain

_QUANTIZED_OUTPUTS = {
    "Conv2D",
    "DepthwiseConv2D",
    "Dense",
    "Add",
    "ReLU",
    "PixelNormalize",
    "Rescaling",
    "BatchNormalization",
    "AveragePooling2D",
    "Multiply",
    "Activation",
}


# ops whose int8 output shares its inputs' scale in TFLite (the converter ties them: one range for the whole chain)
_SAME_SCALE = {
    "ChannelSlice",
    "Concatenate",
    "InterleaveShuffle",
    "Reshape",
    "Permute",
    "ZeroPadding2D",
    "NearestUpsample",
    "BilinearUpsample2x",
    "MaxPooling2D",
    "Dropout",
}


def _layer_classes():
    import keras
    import tensorflow as tf

    class ActivationFakeQuant(keras.layers.Layer):
        """Per-tensor int8 fake quantization with fixed (calibrated) ``[low, high]``."""

        active = True  # False while calibrating (eager calls read it; a traced step keeps its value)

        def build(self, input_shape):
            self.low = self.add_weight(shape=(), initializer="zeros", trainable=False, name="low")
            self.high = self.add_weight(shape=(), initializer="ones", trainable=False, name="high")

        def call(self, x):
            if not self.active:
                return x
            return tf.quantization.fake_quant_with_min_max_vars(x, self.low, self.high, num_bits=8, narrow_range=False)

    class WeightQuantized(keras.layers.Layer):
        """``inner`` (Conv2D, DepthwiseConv2D or Dense) computed with per-channel fake-quantized weights;
        the variables are ``inner``'s own."""

        def __init__(self, inner, **kwargs):
            super().__init__(**kwargs)
            self.inner = inner

        def call(self, x):
            kind = type(self.inner).__name__
            kernel = self.inner.kernel
            if kind == "DepthwiseConv2D":  # [kh, kw, C, M]: one scale per output channel (C*M)
                kh, kw, c, m = kernel.shape
                flat = tf.reshape(kernel, (kh * kw, c * m))
            else:
                flat = tf.reshape(kernel, (-1, kernel.shape[-1]))
            bound = tf.maximum(tf.reduce_max(tf.abs(flat), axis=0), 1e-12)
            flat = tf.quantization.fake_quant_with_min_max_vars_per_channel(flat, -bound, bound, num_bits=8, narrow_range=True)
            kernel = tf.reshape(flat, kernel.shape)
            inner = self.inner
            if kind == "Dense":
                y = tf.matmul(x, kernel)
            elif kind == "DepthwiseConv2D":
                s = inner.strides
                y = tf.nn.depthwise_conv2d(x, kernel, [1, s[0], s[1], 1], inner.padding.upper(), dilations=inner.dilation_rate)
            else:
                y = tf.nn.conv2d(x, kernel, inner.strides, inner.padding.upper(), dilations=inner.dilation_rate)
            if inner.use_bias:
                y = y + inner.bias
            return inner.activation(y)

        def compute_output_shape(self, input_shape):
            return self.inner.compute_output_shape(input_shape)

    return ActivationFakeQuant, WeightQuantized


def quantizer_in_the_loop(model, weights: bool = True) -> tuple[Any, list[Any]]:
    """``(qmodel, fake_quant_layers)``: ``model`` with int8 fake quantization (see module docstring),
    sharing ``model``'s variables. Call :func:`calibrate_ranges` before training or evaluating it.
    ``weights=False`` leaves the weights to the converter (it quantizes them exactly so) and keeps only the
    activation quantizers: the form TFLite converts with the trained ranges (:func:`convert_with_trained_ranges`)."""
    import keras

    ActivationFakeQuant, WeightQuantized = _layer_classes()
    nodes = _nodes(model)
    consumers: dict[int, list[Any]] = {}
    for layer, ins, _ in nodes:
        for t in ins:
            consumers.setdefault(id(t), []).append(layer)
    outputs = {id(t) for t in model.outputs}
    mapped: dict[int, Any] = {}
    new_inputs = []
    for t in model.inputs:
        mapped[id(t)] = keras.Input(batch_shape=t.shape, dtype=t.dtype, name=t.name)
        new_inputs.append(mapped[id(t)])
    tie: dict[int, int] = {}  # union-find over tensors tied to one scale by same-scale ops

    def root(k: int) -> int:
        while tie.get(k, k) != k:
            k = tie[k]
        return k

    for layer, ins, outs in nodes:
        if type(layer).__name__ in _SAME_SCALE:
            for t in ins:
                tie[root(id(t))] = root(id(outs[0]))
    fq_layers = []
    for layer, ins, outs in nodes:
        kind = type(layer).__name__
        if kind == "InputLayer":
            continue
        args = [mapped[id(t)] for t in ins]
        arg = args if len(args) > 1 or kind in ("Add", "Concatenate", "InterleaveShuffle", "Multiply") else args[0]
        if weights and kind in ("Conv2D", "DepthwiseConv2D", "Dense"):
            y = WeightQuantized(layer, name=f"{layer.name}_wq")(arg)
        else:
            y = layer(arg)
        out = outs[0]
        users = consumers.get(id(out), [])
        fused = len(users) == 1 and _relu_is_plain(users[0]) and id(out) not in outputs
        if kind in _QUANTIZED_OUTPUTS and not fused and (kind != "Activation" or _relu_is_plain(layer)):
            fq = ActivationFakeQuant(name=f"{layer.name}_aq")
            fq.scale_group = root(id(out))
            y = fq(y)
            fq_layers.append(fq)
        mapped[id(out)] = y
    qmodel = keras.Model(new_inputs, [mapped[id(t)] for t in model.outputs], name=f"{model.name}_qat")
    return qmodel, fq_layers


def calibrate_ranges(qmodel, fq_layers: list[Any], crops: np.ndarray, batch: int = 16) -> None:
    """Set every fake-quant layer's ``[low, high]`` to the min/max of its input over ``crops`` (zero
    included), measured as TFLite's calibration does: float activations (weights quantized)."""
    import keras

    inputs = [fq.input for fq in fq_layers]
    probe = keras.Model(qmodel.inputs[0], inputs)
    for fq in fq_layers:  # pass-through while measuring
        fq.active = False
    lows = np.zeros(len(fq_layers))
    highs = np.zeros(len(fq_layers))
    for start in range(0, len(crops), batch):
        values = probe(np.asarray(crops[start : start + batch], np.float32), training=False)
        values = values if isinstance(values, (list, tuple)) else [values]
        for i, v in enumerate(values):
            v = np.asarray(v)
            lows[i] = min(lows[i], float(v.min()))
            highs[i] = max(highs[i], float(v.max()))
    group_low: dict[int, float] = {}
    group_high: dict[int, float] = {}
    for fq, lo, hi in zip(fq_layers, lows, highs):  # tensors TFLite ties to one scale share the widest range
        g = getattr(fq, "scale_group", id(fq))
        group_low[g] = min(group_low.get(g, 0.0), lo)
        group_high[g] = max(group_high.get(g, 0.0), hi)
    for fq in fq_layers:
        g = getattr(fq, "scale_group", id(fq))
        lo, hi = group_low[g], group_high[g]
        fq.active = True
        fq.low.assign(min(lo, 0.0))
        fq.high.assign(max(hi, 1e-6))
