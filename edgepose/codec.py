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

import cv2
import numpy as np

from .defaults import CODEC, SIGMA
from .keypoints import flip_index


@dataclass(frozen=True)
class GaussianHeatmapCodec:
    """Gaussian heatmap targets with per-keypoint weights; argmax + sub-pixel refinement.

    ``input_size`` and ``heatmap_size`` are ``(width, height)``; their ratio is the stride.
    ``refine``: ``"dark"`` (distribution-aware Taylor expansion of the log heatmap, Zhang et
    al. CVPR 2020), ``"quarter"`` (a quarter-pixel step towards the larger neighbour) or
    ``"none"`` (the integer argmax).
    """

    input_size: tuple[int, int]
    heatmap_size: tuple[int, int]
    sigma: float = SIGMA
    refine: str = "dark"

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

        The score is the heatmap maximum. Sub-pixel refinement follows ``self.refine``; on the
        border rows/columns, where neighbours are missing, the argmax is kept.
        """
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
        if self.refine == "dark":
            coords += _dark_offsets(planes, xs, ys, self.sigma)
        elif self.refine == "quarter":
            coords += _quarter_offsets(planes, xs, ys)
        elif self.refine != "none":
            raise ValueError(f"unknown refine '{self.refine}'")
        keypoints = self.to_input(coords)
        if single:
            return keypoints[0], scores[0]
        return keypoints, scores


@dataclass(frozen=True)
class UDPHeatmapCodec(GaussianHeatmapCodec):
    """Unbiased data processing (UDP, Huang et al. CVPR 2020): the corner pixels of input and
    heatmap coincide, ``x_hm = x * (W_hm - 1) / (W_in - 1)``. Same Gaussian targets and decoding;
    flips stay exact. Train and decode with the same codec."""

    def to_heatmap(self, xy: np.ndarray) -> np.ndarray:
        return np.asarray(xy, dtype=np.float64) * self._ratio()

    def to_input(self, xy_hm: np.ndarray) -> np.ndarray:
        return np.asarray(xy_hm, dtype=np.float64) / self._ratio()

    def _ratio(self) -> np.ndarray:
        (w_in, h_in), (w_hm, h_hm) = self.input_size, self.heatmap_size
        return np.array([(w_hm - 1) / (w_in - 1), (h_hm - 1) / (h_in - 1)])


@dataclass(frozen=True)
class MSRAHeatmapCodec(GaussianHeatmapCodec):
    """The SimpleBaseline/HRNet ("MSRA") convention that PaddleDetection and many exported models
    use: heatmap cell ``j`` sits on input pixel ``stride * j``. Decoding such a model with the
    centre-aligned convention shifts every keypoint by ``(stride - 1) / 2`` input pixels. A flip
    is exact only up to ``stride - 1`` pixels (flip tests of such models carry that shift)."""

    def to_heatmap(self, xy: np.ndarray) -> np.ndarray:
        return np.asarray(xy, dtype=np.float64) / self.stride

    def to_input(self, xy_hm: np.ndarray) -> np.ndarray:
        return np.asarray(xy_hm, dtype=np.float64) * self.stride


#: the codec registry: one name per heatmap coordinate convention (written into model contracts)
CODECS: dict[str, type[GaussianHeatmapCodec]] = {
    "gaussian": GaussianHeatmapCodec,
    "udp": UDPHeatmapCodec,
    "msra": MSRAHeatmapCodec,
}
CODEC_ALIASES = {"gaussian-centre-aligned": "gaussian"}  # the name contracts carried before the registry
HEATMAP_STRIDE = 4  # edgepose models: heatmaps at 1/4 of the input size
CODEC_FORMULAS = {
    "gaussian": "x_in = (x_hm + 0.5) * stride - 0.5",
    "udp": "x_in = x_hm * (W_in - 1) / (W_hm - 1)",
    "msra": "x_in = x_hm * stride",
}


def codec_class(name: str) -> type[GaussianHeatmapCodec]:
    key = CODEC_ALIASES.get(name, name)
    if key not in CODECS:
        raise ValueError(f"unknown codec '{name}'; choose one of: {', '.join(CODECS)}")
    return CODECS[key]


def codec_name(codec: GaussianHeatmapCodec) -> str:
    """The registry name of ``codec``'s class."""
    for name, cls in CODECS.items():
        if type(codec) is cls:
            return name
    raise ValueError(f"{type(codec).__name__} is not a registered codec")


def codec_for(
    input_size: tuple[int, int],
    sigma: float = SIGMA,
    name: str = CODEC,
    refine: str = "dark",
    heatmap_size: tuple[int, int] | None = None,
) -> GaussianHeatmapCodec:
    """The codec ``name`` for an input of ``(width, height)``; heatmaps default to 1/``HEATMAP_STRIDE``."""
    w, h = input_size
    hm = heatmap_size or (w // HEATMAP_STRIDE, h // HEATMAP_STRIDE)
    return codec_class(name)(
        input_size=(int(w), int(h)), heatmap_size=(int(hm[0]), int(hm[1])), sigma=float(sigma), refine=refine
    )


def _quarter_offsets(planes: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    n, k, h, w = planes.shape
    ni, ki = np.meshgrid(np.arange(n), np.arange(k), indexing="ij")
    xl, xr = np.clip(xs - 1, 0, w - 1), np.clip(xs + 1, 0, w - 1)
    yu, yd = np.clip(ys - 1, 0, h - 1), np.clip(ys + 1, 0, h - 1)
    dx = planes[ni, ki, ys, xr] - planes[ni, ki, ys, xl]
    dy = planes[ni, ki, yd, xs] - planes[ni, ki, yu, xs]
    inside_x = (xs > 0) & (xs < w - 1)
    inside_y = (ys > 0) & (ys < h - 1)
    return np.stack([0.25 * np.sign(dx) * inside_x, 0.25 * np.sign(dy) * inside_y], axis=-1)


def _dark_offsets(planes: np.ndarray, xs: np.ndarray, ys: np.ndarray, sigma: float) -> np.ndarray:
    """DARK: blur (keeping each maximum), take logs, one Newton step ``-H^-1 g`` at the argmax."""
    n, k, h, w = planes.shape
    ksize = 2 * int(3 * sigma) + 1
    blurred = np.empty_like(planes)
    for i in range(n):
        for j in range(k):
            p = planes[i, j]
            b = cv2.GaussianBlur(p, (ksize, ksize), sigma, borderType=cv2.BORDER_CONSTANT)  # zeros outside, as mmpose
            peak, bpeak = p.max(), b.max()
            blurred[i, j] = b * (peak / bpeak) if bpeak > 0 else b
    logs = np.log(np.maximum(blurred, 1e-10))
    pad = np.pad(logs, ((0, 0), (0, 0), (2, 2), (2, 2)), mode="edge")
    ni, ki = np.meshgrid(np.arange(n), np.arange(k), indexing="ij")
    y, x = ys + 2, xs + 2

    def at(dy: int, dx: int) -> np.ndarray:
        return pad[ni, ki, y + dy, x + dx]

    c = at(0, 0)
    gx = 0.5 * (at(0, 1) - at(0, -1))
    gy = 0.5 * (at(1, 0) - at(-1, 0))
    hxx = 0.25 * (at(0, 2) - 2 * c + at(0, -2))
    hyy = 0.25 * (at(2, 0) - 2 * c + at(-2, 0))
    hxy = 0.25 * (at(1, 1) - at(-1, 1) - at(1, -1) + at(-1, -1))
    det = hxx * hyy - hxy * hxy
    ok = (np.abs(det) > 1e-12) & (xs >= 2) & (xs <= w - 3) & (ys >= 2) & (ys <= h - 3) & (hxx < 0) & (hyy < 0)
    safe = np.where(ok, det, 1.0)
    ox = -(hyy * gx - hxy * gy) / safe
    oy = -(-hxy * gx + hxx * gy) / safe
    # the argmax is within half a pixel of a unimodal peak: a longer Newton step means the local
    # quadratic model does not hold (e.g. near the border, where the blur is distorted)
    ok &= (np.abs(ox) <= 0.5) & (np.abs(oy) <= 0.5)
    # and a unimodal peak lies towards the larger neighbour: a step the other way is distortion
    fallback = _quarter_offsets(planes, xs, ys)
    ok &= (ox * fallback[..., 0] >= 0) | (np.abs(ox) < 0.05)
    ok &= (oy * fallback[..., 1] >= 0) | (np.abs(oy) < 0.05)
    return np.stack([np.where(ok, ox, fallback[..., 0]), np.where(ok, oy, fallback[..., 1])], axis=-1)


def resample_heatmaps(heatmaps: np.ndarray, src: GaussianHeatmapCodec, dst: GaussianHeatmapCodec) -> np.ndarray:
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
