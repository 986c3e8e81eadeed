"""Write a synthetic dataset to disk: ``images/*.jpg`` + ``person_keypoints.json``."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Callable

import cv2

from ..errors import EdgeposeError
from .coco import new_coco, write_coco
from .synth import render_image

MAX_IMAGES = 1_000_000


def _render_and_save(args: tuple[int, int, str, int]) -> tuple[int, int, int, list]:
    seed, index, images_dir, quality = args
    img, people = render_image(seed, index)
    path = Path(images_dir) / f"{index:06d}.jpg"
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(img, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise OSError(f"JPEG encoding failed for image {index}")
    path.write_bytes(buf.tobytes())
    return index, img.shape[1], img.shape[0], [(p.keypoints.tolist(), p.bbox, p.area) for p in people]


def write_synth(
    out_dir: str | Path,
    n: int,
    seed: int = 0,
    workers: int | None = None,
    quality: int = 92,
    on_progress: Callable[[int], None] | None = None,
) -> Path:
    """Render ``n`` images into ``out_dir`` (which must exist and be writable); returns the JSON path.

    The result is identical for a given ``(n, seed)`` whatever the number of ``workers``.
    """
    if not (1 <= n <= MAX_IMAGES):
        raise EdgeposeError(f"-n must be between 1 and {MAX_IMAGES}, got {n}")
    out = Path(out_dir)
    images_dir = out / "images"
    images_dir.mkdir(parents=True, exist_ok=True)
    coco = new_coco(f"edgepose synthetic people (seed {seed})", {"generator": "edgepose.data.synth", "seed": seed})
    workers = workers or min(os.cpu_count() or 1, 8)
    jobs = [(seed, i, str(images_dir), quality) for i in range(n)]
    results = []
    if workers > 1 and n >= 16:
        # spawn, not fork: the caller may already hold TensorFlow's threads
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            for res in pool.map(_render_and_save, jobs, chunksize=8):
                results.append(res)
                if on_progress:
                    on_progress(1)
    else:
        for job in jobs:
            results.append(_render_and_save(job))
            if on_progress:
                on_progress(1)
    ann_id = 1
    for index, w, h, people in sorted(results):
        coco["images"].append({"id": index + 1, "file_name": f"{index:06d}.jpg", "width": w, "height": h})
        for kps, bbox, area in people:
            flat = [round(v, 2) for row in kps for v in row]
            coco["annotations"].append(
                {
                    "id": ann_id,
                    "image_id": index + 1,
                    "category_id": 1,
                    "iscrowd": 0,
                    "bbox": [round(v, 2) for v in bbox],
                    "area": area,
                    "keypoints": flat,
                    "num_keypoints": int(sum(1 for v in flat[2::3] if v > 0)),
                }
            )
            ann_id += 1
    return write_coco(out / "person_keypoints.json", coco)
