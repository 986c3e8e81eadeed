"""EdgeHRNet: a multi-resolution (HRNet-style) pose network built only from ops the Edge TPU maps.

Structure (Lite-HRNet's layout with Edge-TPU-clean blocks):
stem (conv3x3/2 -> depthwise-separable /2) -> stage of 2 branches -> ... -> up to 4
branches at strides 4, 8, 16, 32; every module runs inverted-residual blocks
(1x1 -> depthwise 3x3 -> 1x1, ReLU6, residual add) on each branch, then fuses all branches
into each (1x1 conv + nearest upsample from coarser, strided depthwise-separable convs from
finer). The head fuses every branch into stride 4 and predicts K heatmaps.
No channel shuffle, split, transpose or reshape: int8-friendly and Edge-TPU clean.
"""

from __future__ import annotations

import keras
from keras import layers

from .blocks import conv_bn, dw_bn, fuse
from .specs import EdgeHRNetSpec


def _conv_bn(x, ch: int, kernel: int = 1, stride: int = 1, act: bool = True, name: str = ""):
    return conv_bn(x, ch, kernel, stride, act, relu_max=6.0, name=name)


def _dw_bn(x, stride: int = 1, act: bool = False, name: str = ""):
    return dw_bn(x, stride, act, relu_max=6.0, name=name)


def _inverted_residual(x, ch: int, expand: int, name: str):
    y = _conv_bn(x, ch * expand, 1, name=f"{name}_exp")
    y = _dw_bn(y, act=True, name=name)
    y = _conv_bn(y, ch, 1, act=False, name=f"{name}_proj")
    return layers.Add(name=f"{name}_add")([x, y])


def _fuse(branches: list, widths: tuple[int, ...], n_out: int, name: str) -> list:
    return fuse(branches, widths, n_out, relu_max=6.0, name=name)


def build_edgehrnet(spec: EdgeHRNetSpec, input_size: tuple[int, int], num_keypoints: int, name: str = "edgehrnet"):
    w, h = input_size
    inp = keras.Input((h, w, 3), name="image")
    x = layers.Rescaling(1.0 / 127.5, offset=-1.0, name="normalize")(inp)
    x = _conv_bn(x, spec.stem, 3, 2, name="stem1")
    x = _dw_bn(x, stride=2, name="stem2")
    x = _conv_bn(x, spec.widths[0], 1, name="stem2pw")
    branches = [x]
    for stage, n_modules in enumerate(spec.modules):
        n_branches = stage + 2
        # new, coarser branch from the current coarsest one
        new = _dw_bn(branches[-1], stride=2, name=f"s{stage}_new")
        new = _conv_bn(new, spec.widths[n_branches - 1], 1, name=f"s{stage}_newpw")
        branches = branches + [new]
        for m in range(n_modules):
            branches = [
                _block_stack(b, spec.widths[i], spec.blocks, spec.expand, f"s{stage}m{m}b{i}") for i, b in enumerate(branches)
            ]
            branches = _fuse(branches, spec.widths, n_branches, f"s{stage}m{m}f")
    x = _fuse(branches, spec.widths, 1, "head")[0]
    x = _inverted_residual(x, spec.widths[0], spec.expand, "head_ir")
    # near-zero init (as mmpose's heads): start from empty heatmaps instead of large random ones
    out = layers.Conv2D(
        num_keypoints, 1, padding="same", name="heatmaps", kernel_initializer=keras.initializers.RandomNormal(stddev=0.001)
    )(x)
    return keras.Model(inp, out, name=name)


def _block_stack(x, ch: int, n: int, expand: int, name: str):
    for i in range(n):
        x = _inverted_residual(x, ch, expand, f"{name}_{i}")
    return x
