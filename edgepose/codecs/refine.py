"""Sub-pixel refinements of a heatmap argmax, registered by name (``refine`` of a codec):
``dark`` (distribution-aware Taylor expansion of the log heatmap, Zhang et al. CVPR 2020),
``quarter`` (a quarter-pixel step towards the larger neighbour) and ``none``.

Each takes ``planes [N, K, H, W]``, the argmax ``xs``, ``ys`` ``[N, K]`` and the codec's ``sigma``
and returns offsets ``[N, K, 2]`` in heatmap pixels."""

from __future__ import annotations

from typing import Callable

import cv2
import numpy as np

Refinement = Callable[[np.ndarray, np.ndarray, np.ndarray, float], np.ndarray]
REFINEMENTS: dict[str, Refinement] = {}


def register_refinement(name: str) -> Callable[[Refinement], Refinement]:
    def add(fn: Refinement) -> Refinement:
        if name in REFINEMENTS:
            raise ValueError(f"refinement '{name}' is registered twice")
        REFINEMENTS[name] = fn
        return fn

    return add


def refinement(name: str) -> Refinement:
    if name not in REFINEMENTS:
        raise ValueError(f"unknown refine '{name}'; choose one of: {', '.join(REFINEMENTS)}")
    return REFINEMENTS[name]


@register_refinement("none")
def no_offsets(planes: np.ndarray, xs: np.ndarray, ys: np.ndarray, sigma: float) -> np.ndarray:
    return np.zeros(xs.shape + (2,), np.float64)


@register_refinement("quarter")
def quarter_offsets(planes: np.ndarray, xs: np.ndarray, ys: np.ndarray, sigma: float = 0.0) -> np.ndarray:
    n, k, h, w = planes.shape
    ni, ki = np.meshgrid(np.arange(n), np.arange(k), indexing="ij")
    xl, xr = np.clip(xs - 1, 0, w - 1), np.clip(xs + 1, 0, w - 1)
    yu, yd = np.clip(ys - 1, 0, h - 1), np.clip(ys + 1, 0, h - 1)
    dx = planes[ni, ki, ys, xr] - planes[ni, ki, ys, xl]
    dy = planes[ni, ki, yd, xs] - planes[ni, ki, yu, xs]
    inside_x = (xs > 0) & (xs < w - 1)
    inside_y = (ys > 0) & (ys < h - 1)
    return np.stack([0.25 * np.sign(dx) * inside_x, 0.25 * np.sign(dy) * inside_y], axis=-1)


@register_refinement("dark")
def dark_offsets(planes: np.ndarray, xs: np.ndarray, ys: np.ndarray, sigma: float) -> np.ndarray:
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
    fallback = quarter_offsets(planes, xs, ys)
    ok &= (ox * fallback[..., 0] >= 0) | (np.abs(ox) < 0.05)
    ok &= (oy * fallback[..., 1] >= 0) | (np.abs(oy) < 0.05)
    return np.stack([np.where(ok, ox, fallback[..., 0]), np.where(ok, oy, fallback[..., 1])], axis=-1)
