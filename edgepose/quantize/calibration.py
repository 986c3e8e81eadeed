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


def pose_stratum(record: dict[str, Any]) -> int:
    """Coarse pose class of a person: torso orientation (mid-shoulder -> mid-hip) upright,
    tilted, or horizontal/inverted; 3 when the torso is not labelled."""
    kps = np.asarray(record["keypoints"], float).reshape(-1, 3)
    if not (kps[[5, 6, 11, 12], 2] > 0).all():
        return 3
    shoulders, hips = kps[[5, 6], :2].mean(0), kps[[11, 12], :2].mean(0)
    dx, dy = hips - shoulders
    angle = np.degrees(np.arctan2(abs(dx), dy))  # 0: hips straight below shoulders
    return 0 if angle < 30 else 1 if angle < 60 else 2


def stratified_sample(records: list[dict[str, Any]], n: int, rng: np.random.Generator) -> list[dict[str, Any]]:
    """``n`` records spread over person size (COCO's small/medium/large: box area under 32^2, 96^2,
    above) x pose (:func:`pose_stratum`): strata are visited round-robin, each in random order, so
    rare poses and sizes are not crowded out by the common ones."""
    areas = np.array([r["bbox"][2] * r["bbox"][3] for r in records])
    edges = np.array([32.0**2, 96.0**2])
    strata: dict[tuple[int, int], list[int]] = {}
    for i, r in enumerate(records):
        strata.setdefault((int(np.searchsorted(edges, areas[i])), pose_stratum(r)), []).append(i)
    queues = [list(rng.permutation(idx)) for _, idx in sorted(strata.items())]
    chosen: list[int] = []
    while len(chosen) < min(n, len(records)):
        for q in queues:
            if q and len(chosen) < n:
                chosen.append(int(q.pop()))
    return [records[i] for i in chosen]


def build_calibration(
    annotations: str | Path, images: str | Path, out_dir: str | Path, input_size: tuple[int, int], n: int = 300, seed: int = 0
) -> dict[str, Any]:
    """Sample ``n`` people stratified over size and pose (:func:`stratified_sample`) into ``out_dir``."""
    if n < 1:
        raise EdgeposeError(f"calibration size must be at least 1, got {n}")
    records = person_records(load_coco(annotations), images, min_keypoints=3)
    if not records:
        raise EdgeposeError(f"{annotations}: no people with at least 3 keypoints to calibrate on")
    chosen = stratified_sample(records, n, np.random.default_rng(seed))
    crops = np.stack([crop_person(load_rgb(r["file"]), r["bbox"], input_size)[0] for r in chosen])
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / CALIB_FILE, lambda p: np.savez_compressed(open(p, "wb"), crops=crops))
    strata = {f"pose_{k}": int(sum(pose_stratum(r) == k for r in chosen)) for k in range(4)}
    meta = {
        "source": str(annotations),
        "input_size": list(input_size),
        "count": int(len(crops)),
        "layout": "uint8 NHWC RGB",
        "pose_strata": strata,  # 0 upright, 1 tilted, 2 horizontal/inverted, 3 torso unlabelled
    }
    atomic_write_json(out / META_FILE, meta)
    return meta


def build_synthetic_calibration(out_dir: str | Path, input_size: tuple[int, int], n: int = 300, seed: int = 0) -> dict[str, Any]:
    """The project's default calibration set: ``n`` people from the procedural generator (no data needed)."""
    import tempfile

    from ..data.synth_writer import write_synth

    with tempfile.TemporaryDirectory(prefix="edgepose-calib-") as tmp:
        ann = write_synth(tmp, max(n, 4), seed=seed, workers=1)  # ~1.5 people per image: enough for n crops
        meta = build_calibration(ann, Path(tmp) / "images", out_dir, input_size, n, seed)
    meta["source"] = f"synthetic (edgepose.data.synth, seed {seed})"
    atomic_write_json(Path(out_dir) / META_FILE, meta)
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
            f"{input_size[1]}x{input_size[0]} (HxW); rebuild the calibration set with `input_size` HxW"
        )
    return crops
