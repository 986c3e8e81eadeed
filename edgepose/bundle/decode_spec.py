"""The heatmap decode that mobile apps implement (examples/android, examples/ios), written as
plain loops so that each line has a Kotlin/Swift twin. It must equal
:meth:`edgepose.codec.GaussianHeatmapCodec.decode` with ``refine="dark"``; tests check that, and
``test_vectors(...)`` exports heatmaps with the expected keypoints for the mobile unit tests.

Steps for one keypoint channel ``p`` (``h x w`` floats, dequantized ``(q - zero_point) * scale``):
1. argmax ``(x, y)`` (first maximum in row-major order); score = ``p[y][x]``.
2. DARK: blur ``p`` with a separable Gaussian (``sigma``, ``k = 2*floor(3*sigma)+1`` taps,
   weights ``exp(-d^2 / (2 sigma^2))`` normalised, zeros outside), rescale the blurred map so its
   maximum equals ``p``'s maximum, take ``log(max(v, 1e-10))``, pad by edge replication.
3. At ``(x, y)``: gradient and Hessian by central differences (step 1 for the gradient, step 2 for
   the diagonal); offset ``-H^-1 g``. Keep it when ``|det| > 1e-12``, the point is 2 px inside the
   map, ``Hxx < 0``, ``Hyy < 0``, ``|offset| <= 0.5`` per axis and each component points towards
   the larger neighbour (or is under 0.05); otherwise use the quarter offset ``0.25 * sign(right -
   left)`` (0 on the border), per axis, as the fallback.
4. Input pixels, by the contract's codec (``x`` here is ``x + ox``; ``n`` the heatmap side, width for x,
   height for y): ``gaussian`` ``(x + 0.5) * stride - 0.5``, ``udp`` ``x * (n * stride - 1) / (n - 1)``,
   ``msra`` ``x * stride`` (:data:`edgepose.codec.CODEC_FORMULAS`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..defaults import CODEC, SIGMA


def gaussian_kernel(sigma: float) -> list[float]:
    k = 2 * int(3 * sigma) + 1
    c = k // 2
    w = [math.exp(-((i - c) ** 2) / (2 * sigma * sigma)) for i in range(k)]
    s = sum(w)
    return [v / s for v in w]


def blur(plane: list[list[float]], sigma: float) -> list[list[float]]:
    kern = gaussian_kernel(sigma)
    c = len(kern) // 2
    h, w = len(plane), len(plane[0])
    rows = [
        [sum(kern[t] * plane[y][x + t - c] for t in range(len(kern)) if 0 <= x + t - c < w) for x in range(w)] for y in range(h)
    ]
    return [
        [sum(kern[t] * rows[y + t - c][x] for t in range(len(kern)) if 0 <= y + t - c < h) for x in range(w)] for y in range(h)
    ]


MOBILE_CODECS = ("gaussian", "udp", "msra")  # what decode_spec, PoseDecoder.kt and PoseDecoder.swift implement


def to_input(v: float, n: int, stride: float, codec: str) -> float:
    """Heatmap coordinate ``v`` on an axis of ``n`` cells -> input pixels, by ``codec``."""
    if codec == "gaussian":
        return (v + 0.5) * stride - 0.5
    if codec == "udp":
        return v * (n * stride - 1) / (n - 1)
    if codec == "msra":
        return v * stride
    raise ValueError(f"the mobile decoders implement {', '.join(MOBILE_CODECS)}; not '{codec}'")


def decode_channel(plane: list[list[float]], sigma: float, stride: float, codec: str = CODEC) -> tuple[float, float, float]:
    """One ``h x w`` heatmap -> (x_in, y_in, score)."""
    h, w = len(plane), len(plane[0])
    best, bx, by = -math.inf, 0, 0
    for y in range(h):
        for x in range(w):
            if plane[y][x] > best:
                best, bx, by = plane[y][x], x, y
    # quarter-offset fallback
    qx = 0.25 * _sign(plane[by][bx + 1] - plane[by][bx - 1]) if 0 < bx < w - 1 else 0.0
    qy = 0.25 * _sign(plane[by + 1][bx] - plane[by - 1][bx]) if 0 < by < h - 1 else 0.0
    b = blur(plane, sigma)
    bmax = max(max(row) for row in b)
    scale = best / bmax if bmax > 0 else 1.0
    logs = [[math.log(max(v * scale, 1e-10)) for v in row] for row in b]

    def at(dy: int, dx: int) -> float:
        yy = min(max(by + dy, 0), h - 1)
        xx = min(max(bx + dx, 0), w - 1)
        return logs[yy][xx]

    c = at(0, 0)
    gx, gy = 0.5 * (at(0, 1) - at(0, -1)), 0.5 * (at(1, 0) - at(-1, 0))
    hxx, hyy = 0.25 * (at(0, 2) - 2 * c + at(0, -2)), 0.25 * (at(2, 0) - 2 * c + at(-2, 0))
    hxy = 0.25 * (at(1, 1) - at(-1, 1) - at(1, -1) + at(-1, -1))
    det = hxx * hyy - hxy * hxy
    ox, oy = qx, qy
    if abs(det) > 1e-12 and 2 <= bx <= w - 3 and 2 <= by <= h - 3 and hxx < 0 and hyy < 0:
        dx = -(hyy * gx - hxy * gy) / det
        dy = -(-hxy * gx + hxx * gy) / det
        towards_x = dx * qx >= 0 or abs(dx) < 0.05
        towards_y = dy * qy >= 0 or abs(dy) < 0.05
        if abs(dx) <= 0.5 and abs(dy) <= 0.5 and towards_x and towards_y:
            ox, oy = dx, dy
    return to_input(bx + ox, w, stride, codec), to_input(by + oy, h, stride, codec), best


def _sign(v: float) -> float:
    return (v > 0) - (v < 0)


def decode(heatmaps: np.ndarray, sigma: float = SIGMA, stride: float = 4.0, codec: str = CODEC) -> tuple[np.ndarray, np.ndarray]:
    """``[h, w, K]`` float heatmaps -> (keypoints ``[K, 2]`` input px, scores ``[K]``), by the loops above."""
    hm = np.asarray(heatmaps, dtype=np.float32)
    out = [decode_channel(hm[:, :, k].tolist(), sigma, stride, codec) for k in range(hm.shape[2])]
    return np.array([[x, y] for x, y, _ in out]), np.array([s for _, _, s in out])


def test_vectors(
    raw: list[np.ndarray], scale: float, zero_point: int, sigma: float, stride: float, codec: str = CODEC
) -> dict[str, Any]:
    """Raw int8 heatmaps ``[h, w, K]`` -> the JSON the mobile unit tests read: inputs and expected keypoints."""
    cases = []
    for q in raw:
        hm = (q.astype(np.float32) - zero_point) * scale
        kps, scores = decode(hm, sigma, stride, codec)
        cases.append(
            {
                "shape_hwk": list(q.shape),
                "int8_hwk_row_major": q.astype(int).ravel().tolist(),
                "expected_keypoints_xy": np.round(kps, 4).tolist(),
                "expected_scores": np.round(scores, 6).tolist(),
            }
        )
    return {"scale": scale, "zero_point": zero_point, "sigma": sigma, "stride": stride, "codec": codec, "tolerance_px": 0.01,
            "cases": cases}  # fmt: skip
