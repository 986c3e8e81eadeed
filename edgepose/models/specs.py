"""Architecture specs (plain dataclasses, no Keras import)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EdgeHRNetSpec:
    stem: int
    widths: tuple[int, ...]  # channels per branch at strides 4, 8, 16, 32
    modules: tuple[int, ...]  # number of fusion modules in stages 2, 3, (4)
    blocks: int  # inverted-residual blocks per branch per module
    expand: int = 2


@dataclass(frozen=True)
class LiteHRNetSpec:
    stem: int
    widths: tuple[int, ...]  # channels per branch at strides 4, 8, 16, 32
    modules: tuple[int, ...]  # modules in stages 2, 3, 4
    blocks: int = 2  # conditional channel weighting blocks per module
    reduce_ratio: int = 8  # cross-resolution weighting bottleneck


@dataclass(frozen=True)
class PPTinyPoseSpec:
    """PaddleDetection's PP-TinyPose backbone: Lite-HRNet-18's layout with "naive" ShuffleNet-v2
    blocks (no conditional channel weighting). ``shuffle``/``head_resize`` pick the lowering
    (same weights): ``"5d"`` reshape/transpose shuffle (fastest on CPUs) or ``"interleave"`` (maps
    to the Edge TPU); ``"align_corners"`` bilinear head resizes (Paddle's) or ``"half_pixel"`` (maps)."""

    stem: int = 32
    widths: tuple[int, ...] = (40, 80, 160, 320)
    modules: tuple[int, ...] = (2, 4, 2)
    blocks: int = 2
    shuffle: str = "5d"
    head_resize: str = "align_corners"
    mean: tuple[float, float, float] = (0.485, 0.456, 0.406)
    std: tuple[float, float, float] = (0.229, 0.224, 0.225)
