"""Lite-HRNet (Yu et al., CVPR 2021) in Keras 3, following the published architecture.

Stem: conv3x3/2 -> a shuffle-style block /2 (two branches, concatenated, channel shuffle).
Stages of 2, 3, 4 parallel branches (strides 4-32), each module made of conditional channel
weighting blocks: half the channels pass through, the other half get a cross-resolution weight
(all branches pooled to the coarsest grid, 1x1 -> ReLU -> 1x1 -> sigmoid, upsampled back), a
depthwise 3x3 and a spatial weight (squeeze-excite style), then concatenation and a channel
shuffle; modules end with HRNet's multi-resolution fusion. The head is one 1x1 conv on the
stride-4 branch (as in the published top-down configs).

The channel split/shuffle lowers to STRIDED_SLICE/RESHAPE/TRANSPOSE in TFLite: accurate for
its size, slower in int8 and not Edge-TPU friendly (see ``edgehrnet`` for that).
"""

from __future__ import annotations

import keras
from keras import layers

from .blocks import conv_bn, dw_bn, fuse
from .layers import ChannelSlice, NearestUpsample
from .specs import LiteHRNetSpec


def _bn(x, name: str):
    return layers.BatchNormalization(momentum=0.9, name=name)(x)


def _conv(x, ch: int, kernel: int = 1, stride: int = 1, relu: bool = True, name: str = ""):
    return conv_bn(x, ch, kernel, stride, act=relu, relu_max=None, name=name)


def _dw(x, stride: int = 1, name: str = ""):
    return dw_bn(x, stride, act=False, name=name)


def _split(x, name: str):
    c = x.shape[-1] // 2
    return ChannelSlice(0, c, name=f"{name}_a")(x), ChannelSlice(c, x.shape[-1] - c, name=f"{name}_b")(x)


def _shuffle(x, name: str, groups: int = 2):
    h, w, c = x.shape[1], x.shape[2], x.shape[3]
    x = layers.Reshape((h, w, groups, c // groups), name=f"{name}_r1")(x)
    x = layers.Permute((1, 2, 4, 3), name=f"{name}_t")(x)
    return layers.Reshape((h, w, c), name=f"{name}_r2")(x)


def _stem(x, spec: LiteHRNetSpec):
    x = _conv(x, spec.stem, 3, 2, name="stem1")
    a, b = _split(x, "stem_split")
    half = spec.stem // 2
    a = _dw(a, 2, name="stem_b1")
    a = _conv(a, half, name="stem_b1pw")
    b = _conv(b, half, name="stem_b2exp")
    b = _dw(b, 2, name="stem_b2")
    b = _conv(b, half, name="stem_b2pw")
    x = layers.Concatenate(name="stem_cat")([a, b])
    return _shuffle(x, "stem_shuffle")


def _ccw_block(branches: list, widths: tuple[int, ...], reduce_ratio: int, name: str) -> list:
    """One conditional channel weighting block over all branches."""
    halves = [_split(b, f"{name}_split{i}") for i, b in enumerate(branches)]
    kept = [h[0] for h in halves]
    work = [h[1] for h in halves]
    n = len(branches)
    # cross-resolution weighting on the coarsest grid
    pooled = [
        layers.AveragePooling2D(2 ** (n - 1 - i), name=f"{name}_pool{i}")(w) if i < n - 1 else w for i, w in enumerate(work)
    ]
    cat = layers.Concatenate(name=f"{name}_crcat")(pooled) if n > 1 else pooled[0]
    total = sum(c // 2 for c in widths[:n])
    y = layers.Conv2D(max(total // reduce_ratio, 1), 1, name=f"{name}_cr1")(cat)
    y = _bn(y, f"{name}_cr1bn")
    y = layers.ReLU(name=f"{name}_cr1relu")(y)
    y = layers.Conv2D(total, 1, name=f"{name}_cr2")(y)
    y = _bn(y, f"{name}_cr2bn")
    y = layers.Activation("sigmoid", name=f"{name}_cr2sig")(y)
    outs = []
    start = 0
    for i, w in enumerate(work):
        c = widths[i] // 2
        weight = ChannelSlice(start, c, name=f"{name}_crw{i}")(y)
        start += c
        if i < n - 1:
            weight = NearestUpsample(2 ** (n - 1 - i), name=f"{name}_crup{i}")(weight)
        w = layers.Multiply(name=f"{name}_crmul{i}")([w, weight])
        w = _dw(w, 1, name=f"{name}_b{i}")
        # spatial weighting (squeeze-excite)
        s = layers.GlobalAveragePooling2D(keepdims=True, name=f"{name}_sw{i}_gap")(w)
        s = layers.Conv2D(max(c // 4, 1), 1, activation="relu", name=f"{name}_sw{i}_1")(s)
        s = layers.Conv2D(c, 1, activation="sigmoid", name=f"{name}_sw{i}_2")(s)
        w = layers.Multiply(name=f"{name}_swmul{i}")([w, s])
        x = layers.Concatenate(name=f"{name}_cat{i}")([kept[i], w])
        outs.append(_shuffle(x, f"{name}_shuf{i}"))
    return outs


def _fuse(branches: list, widths: tuple[int, ...], name: str) -> list:
    return fuse(branches, widths, len(branches), relu_max=None, name=name)


def _iterative_head(branches: list, widths: tuple[int, ...]):
    """Coarse to fine: upsample (bilinear) the previous output, add, depthwise-separable conv
    to the next finer width. Returns the stride-4 feature map."""
    last = None
    n = len(branches)
    for i in reversed(range(n)):
        x = branches[i]
        if last is not None:
            x = layers.Add(name=f"head_add{i}")([x, layers.UpSampling2D(2, interpolation="bilinear", name=f"head_up{i}")(last)])
        out_ch = widths[i - 1] if i > 0 else widths[0]
        x = _dw(x, 1, name=f"head_p{i}")
        last = _conv(x, out_ch, name=f"head_p{i}pw")
    return last


def build_litehrnet(spec: LiteHRNetSpec, input_size: tuple[int, int], num_keypoints: int, name: str = "litehrnet"):
    w, h = input_size
    inp = keras.Input((h, w, 3), name="image")
    x = layers.Rescaling(1.0 / 127.5, offset=-1.0, name="normalize")(inp)
    branches = [_stem(x, spec)]
    prev_widths: tuple[int, ...] = (spec.stem,)
    for stage, n_modules in enumerate(spec.modules):
        n = stage + 2
        widths = spec.widths[:n]
        # transition: adapt existing branches' channels, add a new coarser branch
        new_branches = []
        for i in range(n):
            if i < len(branches):
                b = branches[i]
                if prev_widths[i] != widths[i]:
                    b = _dw(b, 1, name=f"t{stage}_{i}")
                    b = _conv(b, widths[i], name=f"t{stage}_{i}pw")
            else:
                b = _dw(branches[-1], 2, name=f"t{stage}_{i}")
                b = _conv(b, widths[i], name=f"t{stage}_{i}pw")
            new_branches.append(b)
        branches = new_branches
        for m in range(n_modules):
            for blk in range(spec.blocks):
                branches = _ccw_block(branches, widths, spec.reduce_ratio, f"s{stage}m{m}c{blk}")
            branches = _fuse(branches, widths, f"s{stage}m{m}f")
        prev_widths = widths
    x = _iterative_head(branches, spec.widths)
    out = layers.Conv2D(
        num_keypoints, 1, padding="same", name="heatmaps", kernel_initializer=keras.initializers.RandomNormal(stddev=0.001)
    )(x)
    return keras.Model(inp, out, name=name)
