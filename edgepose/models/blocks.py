"""Building blocks shared by the multi-resolution models: conv/depthwise + BN (+ ReLU) and HRNet fusion.

``relu_max`` picks the activation: ``6.0`` for ReLU6 (EdgeHRNet), ``None`` for plain ReLU (Lite-HRNet).
"""

from __future__ import annotations

from keras import layers

from .layers import NearestUpsample


def conv_bn(x, ch: int, kernel: int = 1, stride: int = 1, act: bool = True, relu_max: float | None = 6.0, name: str = ""):
    x = layers.Conv2D(ch, kernel, strides=stride, padding="same", use_bias=False, name=f"{name}_conv")(x)
    x = layers.BatchNormalization(momentum=0.9, name=f"{name}_bn")(x)
    return layers.ReLU(relu_max, name=f"{name}_relu")(x) if act else x


def dw_bn(x, stride: int = 1, act: bool = False, relu_max: float | None = 6.0, name: str = ""):
    x = layers.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False, name=f"{name}_dw")(x)
    x = layers.BatchNormalization(momentum=0.9, name=f"{name}_dwbn")(x)
    return layers.ReLU(relu_max, name=f"{name}_dwrelu")(x) if act else x


def fuse(branches: list, widths: tuple[int, ...], n_out: int, relu_max: float | None, name: str) -> list:
    """HRNet multi-resolution fusion into ``n_out`` branches: 1x1 conv + nearest upsample from
    coarser branches, strided depthwise-separable convs from finer ones, sum, ReLU."""
    outs = []
    for i in range(n_out):
        terms = []
        for j, xj in enumerate(branches):
            tag = f"{name}_{j}to{i}"
            if j == i:
                terms.append(xj)
            elif j > i:
                y = conv_bn(xj, widths[i], 1, act=False, name=tag)
                terms.append(NearestUpsample(2 ** (j - i), name=f"{tag}_up")(y))
            else:
                y = xj
                for step in range(i - j):
                    last = step == i - j - 1
                    y = dw_bn(y, stride=2, name=f"{tag}_d{step}")
                    y = conv_bn(y, widths[i] if last else widths[j], 1, act=not last, relu_max=relu_max, name=f"{tag}_d{step}pw")
                terms.append(y)
        y = terms[0] if len(terms) == 1 else layers.Add(name=f"{name}_sum{i}")(terms)
        outs.append(layers.ReLU(relu_max, name=f"{name}_out{i}")(y))
    return outs
