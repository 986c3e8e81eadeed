"""Accuracy benchmark: one model on one COCO-format set with ground-truth boxes (top-down protocol)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from ..data.coco import load_coco
from ..evaluate import evaluate, lsp_head_sizes, predict_coco


def bench_accuracy(
    model: Any,
    annotations: str | Path,
    images: str | Path,
    lsp_joints: str | Path | None = None,
    threads: int = 2,
    flip_test: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """COCO AP/AR, PCK@0.2 (box, torso), PCKh@0.5 with ``lsp_joints``, per keypoint, for ``model``
    (``.tflite`` or ``.keras``) on ground-truth boxes. Adds ``"model"``, ``"size_bytes"``, ``"data"``."""
    from ..estimators import load_estimator

    estimator = load_estimator(model, threads=threads)
    estimator.flip_test = flip_test
    coco = load_coco(annotations)
    results = predict_coco(estimator, coco, images, on_progress)
    heads = lsp_head_sizes(lsp_joints, annotations) if lsp_joints else None
    stats = evaluate(results, annotations, head_sizes=heads)
    path = Path(model) if isinstance(model, (str, Path)) else None
    return {
        **stats,
        "model": str(path) if path else "keras model",
        "size_bytes": path.stat().st_size if path else None,
        "data": str(annotations),
        "flip_test": flip_test,
    }
