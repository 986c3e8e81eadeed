"""Input normalisations by name: ``value = (pixel * pixel_scale - mean) / std`` per RGB channel."""

from __future__ import annotations

from typing import Any

from ..errors import EdgeposeError

#: input normalisations: value = (pixel * pixel_scale - mean) / std, per RGB channel
NORMALIZATIONS: dict[str, dict[str, Any]] = {
    "raw": {"pixel_scale": 1.0, "mean": (0.0, 0.0, 0.0), "std": (1.0, 1.0, 1.0)},  # 0..255 (edgepose: inside the model)
    "unit": {"pixel_scale": 1 / 255, "mean": (0.0, 0.0, 0.0), "std": (1.0, 1.0, 1.0)},  # 0..1
    "symmetric": {"pixel_scale": 1 / 255, "mean": (0.5, 0.5, 0.5), "std": (0.5, 0.5, 0.5)},  # -1..1
    "imagenet": {"pixel_scale": 1 / 255, "mean": (0.485, 0.456, 0.406), "std": (0.229, 0.224, 0.225)},
}


def normalization(name: str) -> dict[str, Any]:
    """``{"pixel_scale", "mean", "std"}`` of the normalisation ``name``."""
    if name not in NORMALIZATIONS:
        raise EdgeposeError(f"unknown normalization '{name}'; choose one of: {', '.join(NORMALIZATIONS)}")
    return NORMALIZATIONS[name]


def normalization_name(pixel_scale: float, mean: tuple[float, ...], std: tuple[float, ...]) -> str | None:
    """The table's name for these values, or None."""
    for name, v in NORMALIZATIONS.items():
        if (v["mean"], v["std"]) == (tuple(mean), tuple(std)) and abs(v["pixel_scale"] - pixel_scale) < 1e-9:
            return name
    return None


def unit_mean_std(name: str) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The normalisation ``name`` as (mean, std) on pixels / 255, the form ONNX converters take:
    ``(pixels / 255 - mean) / std`` equals ``(pixels * pixel_scale - m) / s`` of the table."""
    n = normalization(name)
    k = 255.0 * n["pixel_scale"]  # 1 for pixel_scale 1/255, 255 for raw pixels
    return tuple(m / k for m in n["mean"]), tuple(s / k for s in n["std"])
