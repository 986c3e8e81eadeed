"""Heatmap codec (numpy only; imported by training, the runtime and the mobile test vectors).

Frames: keypoints are in model-input pixels (pixel centres at integers, see
``transforms``). A heatmap of stride ``s`` has its pixel ``j`` centred on input pixel
``(j + 0.5) * s - 0.5``. With this centre-aligned mapping a horizontal flip of the input is
exactly a horizontal flip of the heatmap, and encode/decode are unbiased (no rounding of
the Gaussian centre, as in UDP).

Heatmaps are channels-last: ``[H_hm, W_hm, K]`` float32 (``[N, H_hm, W_hm, K]`` batched).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .keypoints import flip_index


@dataclass(frozen=True)
class GaussianHeatmapCodec:
    """Gaussian heatmap targets with per-keypoint weights; argmax + quarter-offset decoding.

    ``input_size`` and ``heatmap_size`` are ``(width, height)``; their ratio is the stride.
    """

    input_size: tuple[int, int]
    heatmap_size: tuple[int, int]
    sigma: float = 2.0

    @property
    def stride(self) -> float:
        return self.input_size[0] / self.heatmap_size[0]

    def to_heatmap(self, xy: np.ndarray) -> np.ndarray:
        return (np.asarray(xy, dtype=np.float64) + 0.5) / self.stride - 0.5

    def to_input(self, xy_hm: np.ndarray) -> np.ndarray:
        return (np.asarray(xy_hm, dtype=np.float64) + 0.5) * self.stride - 0.5

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

        Argmax, then a quarter-pixel step towards the larger neighbour on each axis.
        """
        hm = np.asarray(heatmaps, dtype=np.float32)
        single = hm.ndim == 3
        if single:
            hm = hm[None]
        n, h, w, k = hm.shape
        flat = hm.transpose(0, 3, 1, 2).reshape(n, k, h * w)
        idx = flat.argmax(axis=2)
        scores = np.take_along_axis(flat, idx[..., None], axis=2)[..., 0]
        ys, xs = np.divmod(idx, w)
        coords = np.stack([xs, ys], axis=-1).astype(np.float64)
        planes = hm.transpose(0, 3, 1, 2)  # [N, K, H, W]
        ni, ki = np.meshgrid(np.arange(n), np.arange(k), indexing="ij")
        xl, xr = np.clip(xs - 1, 0, w - 1), np.clip(xs + 1, 0, w - 1)
        yu, yd = np.clip(ys - 1, 0, h - 1), np.clip(ys + 1, 0, h - 1)
        dx = planes[ni, ki, ys, xr] - planes[ni, ki, ys, xl]
        dy = planes[ni, ki, yd, xs] - planes[ni, ki, yu, xs]
        # no step on the border row/column: one neighbour is missing there
        coords[..., 0] += 0.25 * np.sign(dx) * ((xs > 0) & (xs < w - 1))
        coords[..., 1] += 0.25 * np.sign(dy) * ((ys > 0) & (ys < h - 1))
        keypoints = self.to_input(coords)
        if single:
            return keypoints[0], scores[0]
        return keypoints, scores


def flip_heatmaps_back(heatmaps_of_flipped: np.ndarray) -> np.ndarray:
    """Heatmaps predicted on a horizontally flipped input -> heatmaps in the original frame.

    Works on ``[H, W, K]`` or ``[N, H, W, K]``: mirrors the width axis and swaps left/right channels.
    """
    hm = np.asarray(heatmaps_of_flipped)
    return hm[..., ::-1, :][..., flip_index()]
