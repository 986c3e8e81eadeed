"""The heatmap codec base: Gaussian targets with per-keypoint weights (encode) and argmax plus a
registered sub-pixel refinement (decode). A codec is one coordinate convention between input and
heatmap pixels: subclasses give ``to_heatmap``/``to_input`` and its ``formula``, and register
themselves (:func:`edgepose.codecs.registry.register_codec`).

Frames: keypoints are in model-input pixels (pixel centres at integers, see ``transforms``).
Heatmaps are channels-last: ``[H_hm, W_hm, K]`` float32 (``[N, H_hm, W_hm, K]`` batched).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..defaults import REFINE, SIGMA
from .refine import refinement


@dataclass(frozen=True)
class HeatmapCodec(abc.ABC):
    """``input_size`` and ``heatmap_size`` are ``(width, height)``; their ratio is the stride.
    ``refine`` names a registered refinement (:mod:`edgepose.codecs.refine`)."""

    input_size: tuple[int, int]
    heatmap_size: tuple[int, int]
    sigma: float = SIGMA
    refine: str = REFINE
    name: ClassVar[str] = ""  # set by register_codec
    formula: ClassVar[str] = ""  # heatmap -> input pixels, written into model contracts

    @property
    def stride(self) -> float:
        return self.input_size[0] / self.heatmap_size[0]

    @abc.abstractmethod
    def to_heatmap(self, xy: np.ndarray) -> np.ndarray:
        """Input pixels ``[..., 2]`` -> heatmap pixels (this codec's convention)."""

    @abc.abstractmethod
    def to_input(self, xy_hm: np.ndarray) -> np.ndarray:
        """Heatmap pixels ``[..., 2]`` -> input pixels (the inverse of :meth:`to_heatmap`)."""

    def encode(self, keypoints: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Keypoints ``[K, 2]`` (input px) and weights ``[K]`` (0 = unlabelled/absent) ->
        (heatmaps ``[H, W, K]`` float32 in [0, 1], target weights ``[K]`` float32).

        A keypoint whose Gaussian lies entirely outside the heatmap gets weight 0.
        """
        w_hm, h_hm = self.heatmap_size
        kps = self.to_heatmap(keypoints)
        k = kps.shape[0]
        tw = np.asarray(weights, dtype=np.float32).copy()
        xs = np.arange(w_hm, dtype=np.float32)
        ys = np.arange(h_hm, dtype=np.float32)
        heatmaps = np.zeros((h_hm, w_hm, k), dtype=np.float32)
        radius = 3.0 * self.sigma
        for i in range(k):
            if tw[i] <= 0:
                continue
            mx, my = kps[i]
            if mx < -radius or my < -radius or mx > w_hm - 1 + radius or my > h_hm - 1 + radius:
                tw[i] = 0.0
                continue
            gx = np.exp(-((xs - mx) ** 2) / (2 * self.sigma**2))
            gy = np.exp(-((ys - my) ** 2) / (2 * self.sigma**2))
            heatmaps[:, :, i] = gy[:, None] * gx[None, :]
        return heatmaps, tw

    def decode(self, heatmaps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Heatmaps ``[H, W, K]`` or ``[N, H, W, K]`` -> (keypoints ``[..., K, 2]`` in input px, scores ``[..., K]``).

        The score is the heatmap maximum. Sub-pixel refinement follows ``self.refine``; on the
        border rows/columns, where neighbours are missing, the argmax is kept.
        """
        refine = refinement(self.refine)
        hm = np.asarray(heatmaps, dtype=np.float32)
        single = hm.ndim == 3
        if single:
            hm = hm[None]
        planes = np.ascontiguousarray(hm.transpose(0, 3, 1, 2))  # [N, K, H, W]
        n, k, h, w = planes.shape
        flat = planes.reshape(n, k, h * w)
        idx = flat.argmax(axis=2)
        scores = np.take_along_axis(flat, idx[..., None], axis=2)[..., 0]
        ys, xs = np.divmod(idx, w)
        coords = np.stack([xs, ys], axis=-1).astype(np.float64)
        coords += refine(planes, xs, ys, self.sigma)
        keypoints = self.to_input(coords)
        if single:
            return keypoints[0], scores[0]
        return keypoints, scores
