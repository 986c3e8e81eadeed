"""``edgepose data show``: draw dataset samples with their skeletons into one PNG grid."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..defaults import INPUT_SIZE
from ..fsutil import atomic_write
from ..viz import draw_pose, encode_png, tile
from .coco import load_coco, person_records
from .samples import Augment, ImageCache, make_sample


def show_samples(
    annotations: str | Path,
    images: str | Path,
    out: str | Path,
    n: int = 16,
    augment: bool = False,
    input_size: tuple[int, int] = INPUT_SIZE,
    seed: int = 0,
) -> Path:
    """Write a PNG grid of ``n`` people: whole images with the ground truth drawn, or (``augment``)
    the training crops exactly as the model sees them, with the targets decoded back from the
    heatmaps (so a wrong flip, affine or codec shows up as a misplaced skeleton)."""
    from ..codec import codec_for

    coco = load_coco(annotations)
    records = person_records(coco, images)
    rng = np.random.default_rng(seed)
    chosen = [records[i] for i in rng.permutation(len(records))[:n]]
    cache = ImageCache()
    tiles = []
    for rec in chosen:
        image = cache.get(rec["file"])
        if augment:
            codec = codec_for(input_size)
            crop, heatmaps, weights = make_sample(image, rec, codec, rng, Augment.strong())
            kps, scores = codec.decode(heatmaps)
            tiles.append(draw_pose(crop, kps, np.where(weights > 0, scores, 0.0), threshold=0.5))
        else:
            kps = rec["keypoints"]
            tiles.append(draw_pose(image, kps[:, :2], (kps[:, 2] > 0).astype(float), threshold=0.5))
    grid = tile(tiles, cols=4, cell=(192, 256) if augment else (256, 256))
    return atomic_write(out, lambda p: p.write_bytes(encode_png(grid)))
