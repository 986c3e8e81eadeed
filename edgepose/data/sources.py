"""Several datasets at once: each a COCO-17 file with its own keypoint availability and a sampling weight."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import EdgeposeError
from .coco import load_coco, person_records


@dataclass(frozen=True)
class DatasetSource:
    """One training source. ``weight`` is its share of each epoch relative to the others;
    keypoints it lacks come from its ``available_keypoints`` (absent joints are masked)."""

    annotations: Path
    images: Path
    weight: float = 1.0
    name: str = ""

    @staticmethod
    def parse(text: str) -> "DatasetSource":
        """``ANN.json:IMAGES_DIR[:WEIGHT]`` -> DatasetSource."""
        parts = text.split(":")
        if len(parts) not in (2, 3):
            raise EdgeposeError(f"dataset '{text}' must look like ANN.json:IMAGES_DIR or ANN.json:IMAGES_DIR:WEIGHT")
        try:
            weight = float(parts[2]) if len(parts) == 3 else 1.0
        except ValueError:
            raise EdgeposeError(f"dataset '{text}': weight '{parts[2]}' is not a number") from None
        return DatasetSource(Path(parts[0]), Path(parts[1]), weight)


def load_sources(
    sources: list[DatasetSource],
    min_keypoints: int = 1,
    pseudo_weight: float = 0.5,
    teacher_weight: float = 0.0,
    teacher_min_score: float = 0.3,
    box: str = "annotation",
) -> list[list[dict[str, Any]]]:
    """Person records per source (each record tagged with ``source``). A record whose annotation
    lists ``pseudo_keypoints`` (teacher labels) gets ``weight_scale`` ``float [17]``: those
    keypoints' loss weight is ``pseudo_weight``.

    ``teacher_weight`` > 0: keypoints the human labels lack take the annotation's
    ``teacher_keypoints`` where the teacher scores ``>= teacher_min_score``, with loss weight
    ``teacher_weight x score`` (:func:`edgepose.data.distill.merge_teacher`; human labels win).
    ``box="extent"``: each person's box becomes the :func:`~edgepose.data.distill.extent_box` of
    its (merged) keypoints, as a detector or COCO annotator would draw it."""
    from .distill import extent_box, merge_teacher

    if box not in ("annotation", "extent"):
        raise EdgeposeError(f"box must be 'annotation' or 'extent', got '{box}'")
    out = []
    for src in sources:
        if src.weight < 0:
            raise EdgeposeError(f"{src.annotations}: sampling weight must be >= 0, got {src.weight}")
        records = person_records(load_coco(src.annotations), src.images, min_keypoints)
        name = src.name or Path(src.annotations).stem
        for r in records:
            r["source"] = name
            if r.get("pseudo"):
                scale = np.ones(len(r["keypoints"]), np.float32)
                scale[r["pseudo"]] = pseudo_weight
                r["weight_scale"] = scale
            if teacher_weight > 0 and "teacher" in r:
                kps = r["keypoints"]
                human = (kps[:, 2] > 0) & r["available"]
                weights = human * r.get("weight_scale", np.ones(len(kps), np.float32))
                xy, merged = merge_teacher(kps, weights, r["teacher"], teacher_min_score, teacher_weight)
                filled = merged > 0
                r["keypoints"] = np.concatenate([xy, np.where(filled, 2.0, 0.0)[:, None]], axis=1)
                r["available"] = np.ones(len(kps), bool)
                r["weight_scale"] = np.where(human, weights, merged).astype(np.float32)
            if box == "extent":
                labelled = r["keypoints"][(r["keypoints"][:, 2] > 0) & r["available"], :2]
                r["bbox"] = extent_box(labelled, r.get("image_size")) or r["bbox"]
        records = [r for r in records if ((r["keypoints"][:, 2] > 0) & r["available"]).sum() >= min_keypoints]
        if not records:
            raise EdgeposeError(f"{src.annotations}: no people with keypoints")
        missing = sorted({str(r["file"]) for r in records if not Path(r["file"]).is_file()})
        if missing:  # checked before training starts (a missing image used to stop TensorFlow mid-epoch)
            raise EdgeposeError(f"{src.annotations}: {len(missing)} image(s) not found under {src.images}, e.g. {missing[0]}")
        out.append(records)
    return out


def weighted_epoch(
    per_source: list[list[dict[str, Any]]], weights: list[float], rng: np.random.Generator, size: int | None = None
):
    """Records for one epoch: ``size`` draws (default: all people once on average), each source
    taking ``weight_i / sum(weights)`` of them, sampled without replacement within a source
    where it has enough people and with replacement where it has fewer."""
    total = sum(len(r) for r in per_source)
    size = size or total
    w = np.asarray(weights, dtype=np.float64)
    if w.sum() <= 0:
        raise EdgeposeError("at least one dataset needs a positive sampling weight")
    counts = np.floor(w / w.sum() * size).astype(int)
    counts[np.argmax(w)] += size - counts.sum()
    epoch = []
    for records, n in zip(per_source, counts):
        if n == 0:
            continue
        idx = rng.choice(len(records), n, replace=n > len(records))
        epoch.extend(records[i] for i in idx)
    order = rng.permutation(len(epoch))
    return [epoch[i] for i in order]
