"""Top-down training samples: person record -> (crop, heatmaps, target weights), with augmentation.

Numpy + OpenCV only. Crops come from :func:`edgepose.transforms.crop_person` (the same
preprocessing as inference and calibration); targets from the shared heatmap codec.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from ..codec import GaussianHeatmapCodec
from ..keypoints import flip_index
from ..transforms import apply_affine, crop_person, load_rgb


@dataclass(frozen=True)
class Augment:
    """Augmentation ranges; ``Augment.none()`` for evaluation-style crops."""

    flip_prob: float = 0.5
    scale: tuple[float, float] = (0.75, 1.25)
    rotation_deg: float = 30.0
    rotation_prob: float = 0.6

    @staticmethod
    def none() -> "Augment":
        return Augment(flip_prob=0.0, scale=(1.0, 1.0), rotation_deg=0.0, rotation_prob=0.0)


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
    codec: GaussianHeatmapCodec,
    rng: np.random.Generator,
    augment: Augment,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One person -> (crop ``uint8 [H, W, 3]``, heatmaps ``float32 [h, w, K]``, weights ``float32 [K]``)."""
    scale = float(rng.uniform(*augment.scale))
    rot = float(rng.uniform(-augment.rotation_deg, augment.rotation_deg)) if rng.random() < augment.rotation_prob else 0.0
    crop, matrix = crop_person(image, record["bbox"], codec.input_size, rotation_deg=rot, scale=scale)
    kps = record["keypoints"]
    xy = apply_affine(kps[:, :2], matrix)
    weights = (kps[:, 2] > 0).astype(np.float32)
    if rng.random() < augment.flip_prob:
        crop = crop[:, ::-1]
        xy[:, 0] = codec.input_size[0] - 1 - xy[:, 0]
        perm = flip_index()
        xy, weights = xy[perm], weights[perm]
    heatmaps, tw = codec.encode(xy, weights)
    return np.ascontiguousarray(crop), heatmaps, tw


def iterate_batches(
    records: list[dict[str, Any]],
    codec: GaussianHeatmapCodec,
    batch_size: int,
    rng: np.random.Generator,
    augment: Augment,
    cache: ImageCache,
    prefetch: int = 4,
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """One shuffled epoch of batches ``(images f32 [B,H,W,3], heatmaps [B,h,w,K], weights [B,K])``,
    prepared in a background thread. The last partial batch is dropped."""
    order = rng.permutation(len(records))
    n_batches = len(order) // batch_size
    seeds = rng.integers(0, 2**31, size=n_batches)
    q: queue.Queue = queue.Queue(maxsize=prefetch)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for b in range(n_batches):
                brng = np.random.default_rng(seeds[b])
                items = [
                    make_sample(cache.get(records[i]["file"]), records[i], codec, brng, augment)
                    for i in order[b * batch_size : (b + 1) * batch_size]
                ]
                batch = (
                    np.stack([it[0] for it in items]).astype(np.float32),
                    np.stack([it[1] for it in items]),
                    np.stack([it[2] for it in items]),
                )
                if not put(batch):
                    return
        except BaseException as exc:  # surface worker errors in the consumer
            put(exc)
            return
        put(None)

    worker = threading.Thread(target=produce, daemon=True)
    worker.start()
    try:
        while True:
            item = q.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join(timeout=5)
