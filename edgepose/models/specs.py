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
