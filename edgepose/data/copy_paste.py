"""Copy-paste augmentation as a dataset: COCO people cut out by their segmentation and pasted
onto other backgrounds, written in COCO person-keypoint format (a weighted ``--data`` source).

Each output image (``seed``, index) is deterministic: a background (the synthetic generator's
procedural textures, or a random crop of an image from ``backgrounds``, which must hold no
people), then one or two people from the pool (non-crowd, polygon segmentation, at least
``min_keypoints`` labelled) scaled to 45-90 % of the image height, maybe mirrored (left/right
keypoints swapped), placed at random, alpha-blended with a feathered mask. A keypoint covered
by a person pasted later becomes ``v = 1``; the box and area come from the pasted mask.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import cv2
import numpy as np

from ..errors import EdgeposeError
from ..fsutil import atomic_write
from ..keypoints import NUM_KEYPOINTS, flip_index
from ..transforms import load_rgb
from .coco import load_coco, new_coco, write_coco
from .synth import procedural_background

IMAGE_SIZES = (256, 288, 320, 352, 384)


def person_pool(coco: dict[str, Any], min_keypoints: int = 5, min_height: float = 48.0) -> list[dict[str, Any]]:
    """People that can be cut out: non-crowd, polygon segmentation, ``min_keypoints`` labelled."""
    pool = []
    for ann in coco["annotations"]:
        seg = ann.get("segmentation")
        if ann.get("iscrowd", 0) or not isinstance(seg, list) or not seg or not isinstance(ann.get("keypoints"), list):
            continue
        kps = np.asarray(ann["keypoints"], float).reshape(NUM_KEYPOINTS, 3)
        if (kps[:, 2] > 0).sum() < min_keypoints or ann["bbox"][3] < min_height:
            continue
        pool.append(ann)
    return pool


def _cutout(image: np.ndarray, ann: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(RGB patch, alpha float [h, w], keypoints [17, 3] in patch pixels, patch origin)."""
    h, w = image.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    for poly in ann["segmentation"]:
        pts = np.asarray(poly, np.float64).reshape(-1, 2)
        if len(pts) >= 3:
            cv2.fillPoly(mask, [np.round(pts).astype(np.int32)], 255)
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        raise EdgeposeError(f"annotation {ann['id']}: empty segmentation")
    x0, y0, x1, y1 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
    kps = np.asarray(ann["keypoints"], float).reshape(NUM_KEYPOINTS, 3).copy()
    kps[:, :2] -= (x0, y0)
    alpha = cv2.GaussianBlur(mask[y0:y1, x0:x1].astype(np.float32) / 255.0, (5, 5), 0)
    return image[y0:y1, x0:x1], alpha, kps, np.array([x0, y0])


def _background_image(rng: np.random.Generator, size: tuple[int, int], backgrounds: list[Path]) -> np.ndarray:
    w, h = size
    if not backgrounds:
        return procedural_background(rng, h, w)
    img = load_rgb(backgrounds[int(rng.integers(len(backgrounds)))])
    scale = max(w / img.shape[1], h / img.shape[0]) * float(rng.uniform(1.0, 1.5))
    img = cv2.resize(img, (max(w, int(np.ceil(img.shape[1] * scale))), max(h, int(np.ceil(img.shape[0] * scale)))))
    y, x = int(rng.integers(img.shape[0] - h + 1)), int(rng.integers(img.shape[1] - w + 1))
    return np.ascontiguousarray(img[y : y + h, x : x + w])


def render_copy_paste(
    seed: int, index: int, pool: list[dict[str, Any]], image_of: Callable[[Any], np.ndarray], backgrounds: list[Path]
) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Image ``index``: ``(uint8 RGB [H, W, 3], people)``; people have ``keypoints`` [17, 3],
    ``bbox`` [x, y, w, h], ``area``."""
    rng = np.random.default_rng([seed, index, 11])
    w, h = int(rng.choice(IMAGE_SIZES)), int(rng.choice(IMAGE_SIZES))
    canvas = _background_image(rng, (w, h), backgrounds).astype(np.float32)
    owner = np.full((h, w), -1, np.int32)
    people: list[dict[str, Any]] = []
    for p in range(int(rng.choice([1, 2], p=[0.6, 0.4]))):
        ann = pool[int(rng.integers(len(pool)))]
        patch, alpha, kps, _ = _cutout(image_of(ann["image_id"]), ann)
        scale = float(rng.uniform(0.45, 0.9)) * h / max(patch.shape[0], 1)
        pw, ph = max(2, int(round(patch.shape[1] * scale))), max(2, int(round(patch.shape[0] * scale)))
        if pw >= w:
            scale *= (w - 1) / pw
            pw, ph = max(2, int(round(patch.shape[1] * scale))), max(2, int(round(patch.shape[0] * scale)))
        sx, sy = pw / patch.shape[1], ph / patch.shape[0]
        patch = cv2.resize(patch, (pw, ph), interpolation=cv2.INTER_AREA)
        alpha = cv2.resize(alpha, (pw, ph), interpolation=cv2.INTER_LINEAR)
        kps = kps.copy()
        kps[:, 0] = (kps[:, 0] + 0.5) * sx - 0.5  # pixel centres stay centres
        kps[:, 1] = (kps[:, 1] + 0.5) * sy - 0.5
        if rng.random() < 0.5:
            patch, alpha = patch[:, ::-1], alpha[:, ::-1]
            kps[:, 0] = pw - 1 - kps[:, 0]
            kps = kps[flip_index()]
        x0 = int(rng.integers(0, max(1, w - pw + 1)))
        y0 = int(rng.integers(max(0, h - ph) // 3, max(1, h - ph + 1)))
        ph, pw = min(ph, h - y0), min(pw, w - x0)
        region = canvas[y0 : y0 + ph, x0 : x0 + pw]
        a = alpha[:ph, :pw, None]
        region[:] = a * patch[:ph, :pw] + (1 - a) * region
        solid = alpha[:ph, :pw] > 0.5
        owner[y0 : y0 + ph, x0 : x0 + pw][solid] = p
        kps[:, :2] += (x0, y0)
        people.append({"keypoints": kps})
    out = []
    for p, person in enumerate(people):
        kps = person["keypoints"]
        for k in range(NUM_KEYPOINTS):
            if kps[k, 2] <= 0:
                continue
            x, y = kps[k, :2]
            if not (0 <= x <= w - 1 and 0 <= y <= h - 1):
                kps[k] = 0
                continue
            if owner[int(round(y)), int(round(x))] > p:
                kps[k, 2] = 1  # covered by a person pasted later
        ys, xs = np.nonzero(owner == p)
        if len(xs) < 16 or (kps[:, 2] > 0).sum() == 0:
            continue
        out.append(
            {
                "keypoints": kps,
                "bbox": [float(xs.min()), float(ys.min()), float(xs.max() + 1 - xs.min()), float(ys.max() + 1 - ys.min())],
                "area": float(len(xs)),
            }
        )
    return np.clip(canvas, 0, 255).astype(np.uint8), out


def write_copy_paste(
    annotations: str | Path,
    images: str | Path,
    out_dir: str | Path,
    n: int,
    seed: int = 0,
    backgrounds: str | Path | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Path:
    """``edgepose data copy-paste``: ``n`` images into ``out_dir/images`` and
    ``out_dir/person_keypoints.json``; returns the JSON path."""
    coco = load_coco(annotations)
    pool = person_pool(coco)
    if not pool:
        raise EdgeposeError(f"{annotations}: no person with a polygon segmentation and 5+ keypoints to cut out")
    files = {im["id"]: Path(images) / im["file_name"] for im in coco["images"]}
    cache: dict[Any, np.ndarray] = {}

    def image_of(image_id):
        if image_id not in cache:
            cache[image_id] = load_rgb(files[image_id])
        return cache[image_id]

    bg_files: list[Path] = []
    if backgrounds is not None:
        bg_files = sorted(p for p in Path(backgrounds).rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
        if not bg_files:
            raise EdgeposeError(f"no background images (.jpg/.png) in {backgrounds}")
    out = Path(out_dir)
    doc_images, doc_anns = [], []
    for i in range(n):
        img, people = render_copy_paste(seed, i, pool, image_of, bg_files)
        name = f"{i:06d}.jpg"
        ok, enc = cv2.imencode(".jpg", cv2.cvtColor(img, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 92])
        atomic_write(out / "images" / name, lambda t, data=enc.tobytes(): t.write_bytes(data))
        doc_images.append({"id": i + 1, "file_name": name, "width": img.shape[1], "height": img.shape[0]})
        for person in people:
            kps = person["keypoints"]
            doc_anns.append(
                {
                    "id": len(doc_anns) + 1,
                    "image_id": i + 1,
                    "category_id": 1,
                    "keypoints": [round(float(v), 2) for v in kps.ravel()],
                    "num_keypoints": int((kps[:, 2] > 0).sum()),
                    "bbox": [round(v, 2) for v in person["bbox"]],
                    "area": person["area"],
                    "iscrowd": 0,
                }
            )
        if on_progress:
            on_progress(1)
    doc = new_coco(f"copy-paste of the people in {annotations} (edgepose data copy-paste, seed {seed})")
    doc["images"], doc["annotations"] = doc_images, doc_anns
    return write_coco(out / "person_keypoints.json", doc)
