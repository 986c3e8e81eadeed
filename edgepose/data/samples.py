"""Top-down training samples: person record -> (crop, heatmaps, target weights), with augmentation.

Numpy + OpenCV only. Crops come from :func:`edgepose.transforms.crop_person` (the same
preprocessing as inference and calibration); targets from the shared heatmap codec.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import cv2
import numpy as np

from ..codecs import HeatmapCodec
from ..keypoints import LOWER_BODY, UPPER_BODY, flip_index
from ..transforms import apply_affine, crop_person, load_rgb


@dataclass(frozen=True)
class Augment:
    """Augmentation ranges; ``Augment.none()`` for evaluation-style crops, ``Augment.strong()``
    adds half-body crops, colour jitter and random erasing (mmpose's top-down recipe)."""

    flip_prob: float = 0.5
    scale: tuple[float, float] = (0.75, 1.25)
    rotation_deg: float = 30.0
    rotation_prob: float = 0.6
    half_body_prob: float = 0.0
    colour_jitter: float = 0.0  # strength: brightness/contrast/saturation in 1 +- this, hue +- 18 deg x this
    erase_prob: float = 0.0
    box_jitter: float = 0.0  # detector-like box noise (edgepose.data.distill.jitter_box)
    truncate_prob: float = 0.0  # people cut off by the frame or hidden below a line (truncate_person)

    @staticmethod
    def none() -> "Augment":
        return Augment(flip_prob=0.0, scale=(1.0, 1.0), rotation_deg=0.0, rotation_prob=0.0)

    @staticmethod
    def strong() -> "Augment":
        return Augment(half_body_prob=0.3, colour_jitter=0.3, erase_prob=0.3)


def half_body_box(keypoints: np.ndarray, rng: np.random.Generator, min_visible: int = 8) -> list[float] | None:
    """A box around the upper or the lower body's labelled keypoints (x1.5), or None when
    fewer than ``min_visible`` keypoints are labelled or the chosen half has under 2."""
    labelled = keypoints[:, 2] > 0
    if labelled.sum() < min_visible:
        return None
    upper = [i for i in UPPER_BODY if labelled[i]]
    lower = [i for i in LOWER_BODY if labelled[i]]
    part = upper if (rng.random() < 0.5 and len(upper) > 2) or len(lower) < 2 else lower
    if len(part) < 2:
        return None
    pts = keypoints[part, :2]
    (x0, y0), (x1, y1) = pts.min(0), pts.max(0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    w, h = max(x1 - x0, 1.0) * 1.5, max(y1 - y0, 1.0) * 1.5
    return [cx - w / 2, cy - h / 2, w, h]


TRUNCATE_SIDES = ("bottom", "left", "right")
TRUNCATE_SIDE_PROBS = (0.6, 0.2, 0.2)  # COCO people are cut off at the bottom far more often than at the sides


def truncate_person(
    image: np.ndarray, box: list[float], keypoints: np.ndarray, rng: np.random.Generator, blank_prob: float = 0.5
) -> tuple[np.ndarray, list[float], np.ndarray]:
    """A partly seen person, as COCO and detector boxes have them: the box (image px ``[x, y, w, h]``)
    is cut at a random line (bottom: 35-85 % of its height kept; left/right: 50-85 % of its width).

    With ``blank_prob`` the image beyond the line is blanked too (the frame's edge: black, as
    :func:`~edgepose.transforms.crop_person` pads) and the keypoints there become unlabelled
    (``v = 0``), as COCO leaves points outside the photo; otherwise the pixels and labels stay
    (the person goes on behind an occluder the box stops at). Returns ``(image, box, keypoints)``;
    the inputs are not modified (the image is copied only when blanked)."""
    x, y, w, h = (float(v) for v in box)
    side = TRUNCATE_SIDES[int(rng.choice(3, p=TRUNCATE_SIDE_PROBS))]
    kps = keypoints.copy()
    if side == "bottom":
        cut = y + h * rng.uniform(0.35, 0.85)
        new_box, gone = [x, y, w, cut - y], kps[:, 1] >= cut
    elif side == "right":
        cut = x + w * rng.uniform(0.5, 0.85)
        new_box, gone = [x, y, cut - x, h], kps[:, 0] >= cut
    else:
        cut = x + w * rng.uniform(0.15, 0.5)
        new_box, gone = [cut, y, x + w - cut, h], kps[:, 0] < cut
    if rng.random() < blank_prob:
        image = image.copy()
        line = int(np.clip(np.ceil(cut), 0, image.shape[0 if side == "bottom" else 1]))
        if side == "bottom":
            image[line:] = 0
        elif side == "right":
            image[:, line:] = 0
        else:
            image[:, : max(int(np.floor(cut)), 0)] = 0
        kps[gone] = 0.0
    return image, new_box, kps


def colour_jitter(crop: np.ndarray, rng: np.random.Generator, strength: float) -> np.ndarray:
    """Random brightness, contrast, saturation and hue on a ``uint8`` RGB crop."""
    img = crop.astype(np.float32)
    img *= rng.uniform(1 - strength, 1 + strength)  # brightness
    mean = img.mean()
    img = (img - mean) * rng.uniform(1 - strength, 1 + strength) + mean  # contrast
    img = np.clip(img, 0, 255).astype(np.uint8)
    hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV).astype(np.float32)
    hsv[..., 1] = np.clip(hsv[..., 1] * rng.uniform(1 - strength, 1 + strength), 0, 255)
    hsv[..., 0] = (hsv[..., 0] + rng.uniform(-9, 9) * strength) % 180  # OpenCV hue is 0..179
    return cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB)


def random_erase(crop: np.ndarray, rng: np.random.Generator, area: tuple[float, float] = (0.02, 0.2)) -> np.ndarray:
    """Fill one random rectangle (2-20 % of the crop, aspect 0.3-3.3) with noise; labels are kept."""
    h, w = crop.shape[:2]
    for _ in range(10):
        a = rng.uniform(*area) * h * w
        aspect = np.exp(rng.uniform(np.log(0.3), np.log(3.3)))
        eh, ew = int(round(np.sqrt(a * aspect))), int(round(np.sqrt(a / aspect)))
        if 0 < eh < h and 0 < ew < w:
            y, x = int(rng.integers(0, h - eh)), int(rng.integers(0, w - ew))
            out = crop.copy()
            out[y : y + eh, x : x + ew] = rng.integers(0, 256, (eh, ew, 3), dtype=np.uint8)
            return out
    return crop


class ImageCache:
    """Decoded RGB images kept in memory (small datasets) so epochs do not re-decode JPEGs."""

    def __init__(self, max_items: int = 20_000):
        self._cache: dict[str, np.ndarray] = {}
        self._max = max_items

    def get(self, path) -> np.ndarray:
        key = str(path)
        img = self._cache.get(key)
        if img is None:
            img = load_rgb(path)
            if len(self._cache) < self._max:
                self._cache[key] = img
        return img


def make_sample(
    image: np.ndarray,
    record: dict[str, Any],
    codec: HeatmapCodec,
    rng: np.random.Generator,
    augment: Augment,
    soft: Callable[[np.ndarray], np.ndarray] | None = None,
    soft_alpha: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One person -> (crop ``uint8 [H, W, 3]``, heatmaps ``float32 [h, w, K]``, weights ``float32 [K]``).

    ``soft`` (a teacher: crop -> heatmaps on ``codec``'s grid, e.g. :class:`~edgepose.data.distill.SoftTeacher`)
    sees the crop after geometry and flip, before colour jitter and erasing; each target with a
    weight becomes ``(1 - soft_alpha) x Gaussian + soft_alpha x teacher heatmap``."""
    kps = record["keypoints"]
    box = record["bbox"]
    if augment.truncate_prob > 0 and rng.random() < augment.truncate_prob:
        image, box, kps = truncate_person(image, box, kps, rng)
    if augment.box_jitter > 0:
        from .distill import jitter_box

        box = jitter_box(box, rng, augment.box_jitter)
    if augment.half_body_prob > 0 and rng.random() < augment.half_body_prob:
        box = half_body_box(kps, rng) or box
    scale = float(rng.uniform(*augment.scale))
    rot = float(rng.uniform(-augment.rotation_deg, augment.rotation_deg)) if rng.random() < augment.rotation_prob else 0.0
    crop, matrix = crop_person(image, box, codec.input_size, rotation_deg=rot, scale=scale)
    xy = apply_affine(kps[:, :2], matrix)
    weights = (kps[:, 2] > 0).astype(np.float32)
    if "available" in record:
        weights *= record["available"]
    if "weight_scale" in record:
        weights *= record["weight_scale"]  # teacher pseudo-labels count less than human labels
    if rng.random() < augment.flip_prob:
        crop = crop[:, ::-1]
        xy[:, 0] = codec.input_size[0] - 1 - xy[:, 0]
        perm = flip_index()
        xy, weights = xy[perm], weights[perm]
    teacher_hm = soft(np.ascontiguousarray(crop)) if soft is not None and soft_alpha > 0 else None
    if augment.colour_jitter > 0:
        crop = colour_jitter(np.ascontiguousarray(crop), rng, augment.colour_jitter)
    if augment.erase_prob > 0 and rng.random() < augment.erase_prob:
        crop = random_erase(np.ascontiguousarray(crop), rng)
    heatmaps, tw = codec.encode(xy, weights)
    if teacher_hm is not None:
        on = tw > 0
        heatmaps[:, :, on] = (1.0 - soft_alpha) * heatmaps[:, :, on] + soft_alpha * teacher_hm[:, :, on]
    return np.ascontiguousarray(crop), heatmaps, tw
