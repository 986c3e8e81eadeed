"""Heatmap codec facade (numpy only; imported by training, the runtime and the mobile test vectors).

The codecs live one a module in :mod:`edgepose.codecs`, registered by name (``gaussian``, ``udp``,
``msra``) with their refinements (``dark``, ``quarter``, ``none``); this module keeps the helpers
every room uses: :func:`codec_for`, :func:`codec_name`, :func:`resample_heatmaps`,
:func:`flip_heatmaps_back`.

Frames: keypoints are in model-input pixels (pixel centres at integers, see ``transforms``).
Heatmaps are channels-last: ``[H_hm, W_hm, K]`` float32 (``[N, H_hm, W_hm, K]`` batched).
"""

from __future__ import annotations

import cv2
import numpy as np

from .codecs import (  # noqa: F401  (re-exported: the one registry is edgepose.codecs)
    CODEC_ALIASES,
    CODECS,
    GaussianHeatmapCodec,
    HeatmapCodec,
    MSRAHeatmapCodec,
    UDPHeatmapCodec,
    check_codec_name,
    codec_choices,
    codec_class,
)
from .defaults import CODEC, REFINE, SIGMA
from .keypoints import flip_index

HEATMAP_STRIDE = 4  # edgepose models: heatmaps at 1/4 of the input size
CODEC_FORMULAS = {name: cls.formula for name, cls in CODECS.items()}  # written into model contracts


def codec_name(codec: HeatmapCodec) -> str:
    """The registry name of ``codec``'s class."""
    if CODECS.get(getattr(type(codec), "name", "")) is type(codec):
        return type(codec).name
    raise ValueError(f"{type(codec).__name__} is not a registered codec")


def codec_for(
    input_size: tuple[int, int],
    sigma: float = SIGMA,
    name: str = CODEC,
    refine: str = REFINE,
    heatmap_size: tuple[int, int] | None = None,
) -> HeatmapCodec:
    """The codec ``name`` for an input of ``(width, height)``; heatmaps default to 1/``HEATMAP_STRIDE``."""
    w, h = input_size
    hm = heatmap_size or (w // HEATMAP_STRIDE, h // HEATMAP_STRIDE)
    return codec_class(name)(
        input_size=(int(w), int(h)), heatmap_size=(int(hm[0]), int(hm[1])), sigma=float(sigma), refine=refine
    )


def resample_heatmaps(heatmaps: np.ndarray, src: HeatmapCodec, dst: HeatmapCodec) -> np.ndarray:
    """Heatmaps ``[H, W, K]`` on ``src``'s grid -> ``dst``'s grid (``[h, w, K]`` float32), for the
    same crop seen at two input sizes (same aspect; pixel centres at integers in both).

    Each ``dst`` cell is mapped to its input pixel (``dst`` convention), to the ``src`` input (scale
    ``src.input / dst.input``), to ``src``'s heatmap coordinates (``src`` convention) and sampled
    bilinearly (zero outside). A teacher with another codec or input size (PP-TinyPose: ``msra``,
    256x192) then gives targets on the student's grid.
    """
    w_hm, h_hm = dst.heatmap_size
    xs, ys = np.meshgrid(np.arange(w_hm, dtype=np.float64), np.arange(h_hm, dtype=np.float64))
    pts = dst.to_input(np.stack([xs.ravel(), ys.ravel()], axis=1))
    ratio = np.array(src.input_size, np.float64) / np.array(dst.input_size, np.float64)
    pts = (pts + 0.5) * ratio - 0.5
    hm_pts = src.to_heatmap(pts).astype(np.float32)
    map_x = hm_pts[:, 0].reshape(h_hm, w_hm)
    map_y = hm_pts[:, 1].reshape(h_hm, w_hm)
    hm = np.asarray(heatmaps, np.float32)
    out = np.empty((h_hm, w_hm, hm.shape[-1]), np.float32)
    for k in range(hm.shape[-1]):  # cv2.remap takes at most 4 channels at a time
        out[:, :, k] = cv2.remap(hm[:, :, k], map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return out


def flip_heatmaps_back(heatmaps_of_flipped: np.ndarray) -> np.ndarray:
    """Heatmaps predicted on a horizontally flipped input -> heatmaps in the original frame.

    Works on ``[H, W, K]`` or ``[N, H, W, K]``: mirrors the width axis and swaps left/right channels.
    """
    hm = np.asarray(heatmaps_of_flipped)
    return hm[..., ::-1, :][..., flip_index()]
