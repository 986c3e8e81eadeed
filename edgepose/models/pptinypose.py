"""PP-TinyPose (PaddleDetection) in Keras 3: Lite-HRNet-18's layout with "naive" ShuffleNet-v2 blocks.

Built op for op as PaddleDetection's ``LiteHRNet(network_type="naive")`` + ``IterativeHead`` +
top-down heatmap head runs, quirks included, so the published weights load exactly:

- BatchNorm is folded: every convolution carries a bias (as in the published IR).
- Fusion (Paddle's ``LiteHRNetModule.forward``): the output for branch 0 is ``2·b0 + Σ up(conv(b_j))``
  (the branch is added to itself); it replaces ``b0`` in place *before* ReLU, so branch ``i > 0`` is
  ``2·f_i0(Y0) + b_i + Σ_{j≠0,i} f_ij(b_j)`` with ``Y0`` that pre-ReLU sum (the ``f_i0`` term is added to
  itself). 24 ``x + x`` Adds at the published depth.
- Head: coarse to fine, bilinear **align_corners** ×2 resizes (``spec.head_resize``), then a 1×1 conv to
  the keypoint heatmaps at stride 4.
- Input RGB ``[0, 255]``, ImageNet mean/std inside the model (``PixelNormalize``).

Convolution layers are named ``bn<N>`` after the Paddle BatchNorm they were folded with (its
construction order), the last one ``heatmaps``: the IR importer matches weights by these names, and
the CPU and Edge TPU lowerings share them.
"""

from __future__ import annotations

import itertools

import keras
from keras import layers

from .layers import BilinearUpsample2x, ChannelSlice, InterleaveShuffle, NearestUpsample, PixelNormalize
from .specs import PPTinyPoseSpec


class _Names:
    """Hands out ``bn<N>`` names in PaddleDetection's construction order."""

    def __init__(self):
        self._next = itertools.count()

    def take(self, n: int) -> list[str]:
        return [f"bn{next(self._next)}" for _ in range(n)]


def _conv(x, ch: int, name: str, relu: bool):
    x = layers.Conv2D(ch, 1, name=name)(x)
    return layers.ReLU(name=f"{name}_relu")(x) if relu else x


def _dw(x, stride: int, name: str):
    if stride == 2:  # Paddle pads 1 on every side; Keras "same" would pad (0, 1) at stride 2
        x = layers.ZeroPadding2D(1, name=f"{name}_pad")(x)
        return layers.DepthwiseConv2D(3, strides=2, padding="valid", name=name)(x)
    return layers.DepthwiseConv2D(3, padding="same", name=name)(x)


def _split(x, name: str):
    c = x.shape[-1] // 2
    return ChannelSlice(0, c, name=f"{name}_a")(x), ChannelSlice(c, x.shape[-1] - c, name=f"{name}_b")(x)


def _concat_shuffle(a, b, spec: PPTinyPoseSpec, name: str):
    """``channel_shuffle(concat([a, b]), groups=2)`` in the lowering ``spec.shuffle`` asks for."""
    if spec.shuffle == "interleave":
        return InterleaveShuffle(name=f"{name}_interleave")([a, b])
    x = layers.Concatenate(name=f"{name}_cat")([a, b])
    h, w, c = x.shape[1], x.shape[2], x.shape[3]
    x = layers.Reshape((h, w, 2, c // 2), name=f"{name}_r1")(x)
    x = layers.Permute((1, 2, 4, 3), name=f"{name}_t")(x)
    return layers.Reshape((h, w, c), name=f"{name}_r2")(x)


def _stem(x, spec: PPTinyPoseSpec, names: _Names):
    n = names.take(6)
    x = layers.ZeroPadding2D(1, name="stem_pad")(x)
    x = layers.Conv2D(spec.stem, 3, strides=2, padding="valid", name=n[0])(x)
    x = layers.ReLU(name=f"{n[0]}_relu")(x)
    a, b = _split(x, "stem_split")
    half = spec.stem // 2
    a = _conv(_dw(a, 2, n[1]), half, n[2], relu=True)
    b = _conv(b, spec.stem, n[3], relu=True)
    b = _conv(_dw(b, 2, n[4]), half, n[5], relu=True)
    return _concat_shuffle(a, b, spec, "stem_shuffle")


def _block(x, spec: PPTinyPoseSpec, n: list[str], name: str):
    a, b = _split(x, f"{name}_split")
    c = b.shape[-1]
    b = _conv(b, c, n[0], relu=True)
    b = _dw(b, 1, n[1])
    b = _conv(b, c, n[2], relu=True)
    return _concat_shuffle(a, b, spec, name)


def _down_chain(x, steps: int, ch_in: int, ch_out: int, chain_names: list[str], relu_last: bool = False):
    """``steps`` × (depthwise 3×3/2, 1×1); ReLU after every 1×1 but the last (unless ``relu_last``)."""
    for k in range(steps):
        last = k == steps - 1
        x = _dw(x, 2, chain_names[2 * k])
        x = _conv(x, ch_out if last else ch_in, chain_names[2 * k + 1], relu=(not last) or relu_last)
    return x


def _module(branches: list, widths: tuple[int, ...], spec: PPTinyPoseSpec, names: _Names, tag: str) -> list:
    n = len(branches)
    block_names = [[names.take(3) for _ in range(spec.blocks)] for _ in range(n)]
    fuse_names: dict[tuple[int, int], list[str]] = {}
    for i in range(n):
        for j in range(n):
            if j > i:
                fuse_names[i, j] = names.take(1)
            elif j < i:
                fuse_names[i, j] = names.take(2 * (i - j))
    out = []
    for i, x in enumerate(branches):
        for k in range(spec.blocks):
            x = _block(x, spec, block_names[i][k], f"{tag}_b{i}k{k}")
        out.append(x)

    def term(i: int, j: int, x):
        if j > i:
            y = _conv(x, widths[i], fuse_names[i, j][0], relu=False)
            return NearestUpsample(2 ** (j - i), name=f"{fuse_names[i, j][0]}_up")(y)
        return _down_chain(x, i - j, widths[j], widths[i], fuse_names[i, j])

    y0 = layers.Add(name=f"{tag}_f0_self")([out[0], out[0]])
    for j in range(1, n):
        y0 = layers.Add(name=f"{tag}_f0_add{j}")([y0, term(0, j, out[j])])
    fused = [layers.ReLU(name=f"{tag}_f0_relu")(y0)]
    for i in range(1, n):
        d = term(i, 0, y0)
        y = layers.Add(name=f"{tag}_f{i}_self")([d, d])
        for j in range(1, n):
            y = layers.Add(name=f"{tag}_f{i}_add{j}")([y, out[i] if j == i else term(i, j, out[j])])
        fused.append(layers.ReLU(name=f"{tag}_f{i}_relu")(y))
    return fused


def build_pptinypose(spec: PPTinyPoseSpec, input_size: tuple[int, int], num_keypoints: int, name: str = "pptinypose"):
    """``float32 [N, H, W, 3]`` RGB 0..255 -> heatmaps ``[N, H/4, W/4, num_keypoints]`` (``input_size`` = (W, H))."""
    if spec.shuffle not in ("5d", "interleave") or spec.head_resize not in ("align_corners", "half_pixel"):
        raise ValueError(f"unknown lowering shuffle={spec.shuffle!r} head_resize={spec.head_resize!r}")
    w, h = input_size
    names = _Names()
    inp = keras.Input((h, w, 3), name="image")
    x = PixelNormalize(spec.mean, spec.std, name="normalize")(inp)
    branches = [_stem(x, spec, names)]
    prev: tuple[int, ...] = (spec.stem,)
    for stage, n_modules in enumerate(spec.modules):
        widths = spec.widths[: stage + 2]
        # transition (constructed before the stage's modules)
        plan = []
        for i, ch in enumerate(widths):
            if i < len(prev):
                plan.append(names.take(2) if prev[i] != ch else None)
            else:
                plan.append(names.take(2 * (i + 1 - len(prev))))
        new = []
        for i, ch in enumerate(widths):
            if i < len(prev):
                b = branches[i]
                if plan[i] is not None:
                    b = _conv(_dw(b, 1, plan[i][0]), ch, plan[i][1], relu=True)
            else:
                steps = i + 1 - len(prev)
                b = _down_chain(branches[-1], steps, prev[-1], ch, plan[i], relu_last=True)
            new.append(b)
        branches = new
        for m in range(n_modules):
            branches = _module(branches, widths, spec, names, f"s{stage}m{m}")
        prev = widths
    # iterative head, coarse to fine
    head_names = [names.take(2) for _ in branches]
    rev = branches[::-1]
    chans = list(spec.widths[::-1])
    last = None
    for i, s in enumerate(rev):
        if last is not None:
            up = BilinearUpsample2x(spec.head_resize == "align_corners", name=f"head_up{i}")(last)
            s = layers.Add(name=f"head_add{i}")([s, up])
        out_ch = chans[i + 1] if i + 1 < len(chans) else chans[i]
        last = _conv(_dw(s, 1, head_names[i][0]), out_ch, head_names[i][1], relu=True)
    out = layers.Conv2D(num_keypoints, 1, name="heatmaps")(last)
    return keras.Model(inp, out, name=name)
