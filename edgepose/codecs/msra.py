"""``msra``: the SimpleBaseline/HRNet convention that PaddleDetection and many exported models use:
heatmap cell ``j`` sits on input pixel ``stride * j``. Decoding such a model with the centre-aligned
convention shifts every keypoint by ``(stride - 1) / 2`` input pixels. A flip is exact only up to
``stride - 1`` pixels (flip tests of such models carry that shift)."""

from __future__ import annotations

import numpy as np

from .base import HeatmapCodec
from .registry import register_codec


@register_codec("msra")
class MSRAHeatmapCodec(HeatmapCodec):
    formula = "x_in = x_hm * stride"

    def to_heatmap(self, xy: np.ndarray) -> np.ndarray:
        return np.asarray(xy, dtype=np.float64) / self.stride

    def to_input(self, xy_hm: np.ndarray) -> np.ndarray:
        return np.asarray(xy_hm, dtype=np.float64) * self.stride
