"""Drawing keypoints and skeletons (OpenCV), and tiling images into a grid."""

from __future__ import annotations

import cv2
import numpy as np

from .keypoints import SKELETON


def draw_pose(
    image_rgb: np.ndarray, keypoints: np.ndarray, scores: np.ndarray, threshold: float = 0.2, colour=(0, 255, 0)
) -> np.ndarray:
    """Draw one pose on a copy of ``image_rgb``; keypoints ``[K, 2]`` image px, scores ``[K]``."""
    img = image_rgb.copy()
    thick = max(1, round(min(img.shape[:2]) / 200))
    for a, b in SKELETON:
        if scores[a] >= threshold and scores[b] >= threshold:
            pa = tuple(int(round(v)) for v in keypoints[a])
            pb = tuple(int(round(v)) for v in keypoints[b])
            cv2.line(img, pa, pb, colour, thick, cv2.LINE_AA)
    for (x, y), s in zip(keypoints, scores):
        if s >= threshold:
            cv2.circle(img, (int(round(x)), int(round(y))), thick + 1, (255, 40, 40), -1, cv2.LINE_AA)
    return img


def tile(images: list[np.ndarray], cols: int = 4, cell: tuple[int, int] = (256, 256)) -> np.ndarray:
    """Letterbox each image into ``cell`` (w, h) and tile them row-major into one RGB image."""
    cw, ch = cell
    cells = []
    for img in images:
        h, w = img.shape[:2]
        s = min(cw / w, ch / h)
        small = cv2.resize(img, (max(1, int(w * s)), max(1, int(h * s))), interpolation=cv2.INTER_AREA)
        canvas = np.zeros((ch, cw, 3), np.uint8)
        y0, x0 = (ch - small.shape[0]) // 2, (cw - small.shape[1]) // 2
        canvas[y0 : y0 + small.shape[0], x0 : x0 + small.shape[1]] = small
        cells.append(canvas)
    while len(cells) % cols:
        cells.append(np.zeros((ch, cw, 3), np.uint8))
    rows = [np.hstack(cells[i : i + cols]) for i in range(0, len(cells), cols)]
    return np.vstack(rows)


def encode_png(image_rgb: np.ndarray) -> bytes:
    """PNG bytes of an RGB image."""
    ok, buf = cv2.imencode(".png", cv2.cvtColor(image_rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise ValueError("PNG encoding failed")
    return buf.tobytes()
