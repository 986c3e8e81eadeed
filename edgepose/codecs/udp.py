"""``udp``: Unbiased Data Processing (Huang et al. CVPR 2020): the corner pixels of input and
heatmap coincide, ``x_hm = x * (W_hm - 1) / (W_in - 1)``. Flips stay exact. Train and decode with it."""

from __future__ import annotations

import numpy as np

from .base import HeatmapCodec
from .registry import register_codec


@register_codec("udp")
class UDPHeatmapCodec(HeatmapCodec):
    formula = "x_in = x_hm * (W_in - 1) / (W_hm - 1)"

    def to_heatmap(self, xy: np.ndarray) -> np.ndarray:
        return np.asarray(xy, dtype=np.float64) * self._ratio()

    def to_input(self, xy_hm: np.ndarray) -> np.ndarray:
        return np.asarray(xy_hm, dtype=np.float64) / self._ratio()

    def _ratio(self) -> np.ndarray:
        (w_in, h_in), (w_hm, h_hm) = self.input_size, self.heatmap_size
        return np.array([(w_hm - 1) / (w_in - 1), (h_hm - 1) / (h_in - 1)])
