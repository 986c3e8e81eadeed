"""Calibration sets: person crops made by the inference preprocessing, stored as one ``.npz``.

A calibration folder holds ``calibration.npz`` (``crops``: ``uint8 [N, H, W, 3]`` RGB) and
``calibration.json`` (source, input size, count). Crops come from ground-truth boxes through
:func:`edgepose.transforms.crop_person`, exactly what the runtime feeds the model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..data.coco import load_coco, person_records
from ..errors import EdgeposeError
from ..fsutil import atomic_write, atomic_write_json, read_json
from ..transforms import crop_person, load_rgb

CALIB_FILE = "calibration.npz"
META_FILE = "calibration.json"


def build_calibration(
    annotations: str | Path, images: str | Path, out_dir: str | Path, input_size: tuple[int, int], n: int = 300, seed: int = 0
) -> dict[str, Any]:
    """Sample ``n`` people (stratified over box size: sorted by area, taken evenly) into ``out_dir``."""
    if n < 1:
        raise EdgeposeError(f"calibration size must be at least 1, got {n}")
    records = person_records(load_coco(annotations), images, min_keypoints=3)
    if not records:
        raise EdgeposeError(f"{annotations}: no people with at least 3 keypoints to calibrate on")
    rng = np.random.default_rng(seed)
    by_area = sorted(records, key=lambda r: r["bbox"][2] * r["bbox"][3] + rng.random())
    idx = np.unique(np.linspace(0, len(by_area) - 1, min(n, len(by_area))).round().astype(int))
    crops = np.stack([crop_person(load_rgb(by_area[i]["file"]), by_area[i]["bbox"], input_size)[0] for i in idx])
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / CALIB_FILE, lambda p: np.savez_compressed(open(p, "wb"), crops=crops))
    meta = {"source": str(annotations), "input_size": list(input_size), "count": int(len(crops)), "layout": "uint8 NHWC RGB"}
    atomic_write_json(out / META_FILE, meta)
    return meta


def load_calibration(calib_dir: str | Path, input_size: tuple[int, int] | None = None) -> np.ndarray:
    """Load crops ``uint8 [N, H, W, 3]``; checks they match ``input_size`` (width, height) if given."""
    d = Path(calib_dir)
    path = d / CALIB_FILE
    if not path.is_file():
        raise EdgeposeError(f"no calibration set in {d} (expected {CALIB_FILE}); build one with 'edgepose calib build'")
    read_json(d / META_FILE, "calibration metadata")
    try:
        with np.load(path) as f:
            crops = f["crops"]
    except Exception as exc:
        raise EdgeposeError(f"corrupt calibration file {path}: {exc}") from None
    if crops.ndim != 4 or crops.shape[-1] != 3:
        raise EdgeposeError(f"calibration crops in {path} have shape {crops.shape}, expected [N, H, W, 3]")
    if input_size is not None and (crops.shape[2], crops.shape[1]) != tuple(input_size):
        raise EdgeposeError(
            f"calibration crops are {crops.shape[1]}x{crops.shape[2]} but the model input is "
            f"{input_size[1]}x{input_size[0]} (HxW); rebuild the calibration set with --input"
        )
    return crops
