"""``gaussian``: edgepose's centre-aligned convention. A heatmap of stride ``s`` has its pixel
``j`` centred on input pixel ``(j + 0.5) * s - 0.5``: a horizontal flip of the input is exactly a
horizontal flip of the heatmap, and encode/decode are unbiased (no rounding of the Gaussian centre)."""

from __future__ import annotations

import numpy as np

from .base import HeatmapCodec
from .registry import register_codec


@register_codec("gaussian", aliases=("gaussian-centre-aligned",))
class GaussianHeatmapCodec(HeatmapCodec):
    formula = "x_in = (x_hm + 0.5) * stride - 0.5"

    def to_heatmap(self, xy: np.ndarray) -> np.ndarray:
        return (np.asarray(xy, dtype=np.float64) + 0.5) / self.stride - 0.5

    def to_input(self, xy_hm: np.ndarray) -> np.ndarray:
        return (np.asarray(xy_hm, dtype=np.float64) + 0.5) * self.stride - 0.5
