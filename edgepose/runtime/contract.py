"""How to feed a heatmap pose model and read it (:class:`ModelContract`), and where that comes from.

Sources, first match wins per field:

1. an explicit contract (``contract.json`` of a bundle, or given in code) or the one embedded in a
   ``.tflite`` (``edgepose.contract`` metadata);
2. a PaddleDetection export config beside the model (``infer_cfg.yml``: mean/std, input size;
   PaddleDetection heatmaps use the ``msra`` convention);
3. what the caller passes (``normalization``, ``codec``);
4. for ``.tflite`` files only: edgepose's own convention (RGB pixels 0..255, normalisation inside
   the model, ``gaussian`` codec).

An ONNX or OpenVINO model with no source for its normalisation is an error that names what is missing.
numpy only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..codecs import check_codec_name
from ..defaults import CODEC, SIGMA
from ..errors import EdgeposeError
from ..keypoints import COCO_KEYPOINTS

#: input normalisations: value = (pixel * pixel_scale - mean) / std, per RGB channel
NORMALIZATIONS: dict[str, dict[str, Any]] = {
    "raw": {"pixel_scale": 1.0, "mean": (0.0, 0.0, 0.0), "std": (1.0, 1.0, 1.0)},  # 0..255 (edgepose: inside the model)
    "unit": {"pixel_scale": 1 / 255, "mean": (0.0, 0.0, 0.0), "std": (1.0, 1.0, 1.0)},  # 0..1
    "symmetric": {"pixel_scale": 1 / 255, "mean": (0.5, 0.5, 0.5), "std": (0.5, 0.5, 0.5)},  # -1..1
    "imagenet": {"pixel_scale": 1 / 255, "mean": (0.485, 0.456, 0.406), "std": (0.229, 0.224, 0.225)},
}


@dataclass(frozen=True)
class ModelContract:
    """Input size ``(width, height)``, dtype and quantization; normalisation ``(pixel * pixel_scale
    - mean) / std`` on RGB; heatmap output size ``(width, height)`` and quantization; the codec
    (registry name, sigma, refinement); memory layout of image tensors."""

    input_size: tuple[int, int]
    input_dtype: str
    input_quant: tuple[float, int]  # (scale, zero_point); (0.0, 0) when float
    output_kind: str  # "heatmaps"
    heatmap_size: tuple[int, int]
    output_quant: tuple[float, int]
    keypoint_names: tuple[str, ...] = COCO_KEYPOINTS
    layout: str = "NHWC"
    normalization: str = "raw"
    pixel_scale: float = 1.0
    mean: tuple[float, float, float] = (0.0, 0.0, 0.0)
    std: tuple[float, float, float] = (1.0, 1.0, 1.0)
    codec: str = CODEC
    sigma: float = SIGMA
    refine: str = "dark"
    sources: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def stride(self) -> float:
        return self.input_size[0] / self.heatmap_size[0]

    @property
    def identity_normalization(self) -> bool:
        return self.pixel_scale == 1.0 and not any(self.mean) and all(s == 1.0 for s in self.std)


def normalization(name: str) -> dict[str, Any]:
    if name not in NORMALIZATIONS:
        raise EdgeposeError(f"unknown normalization '{name}'; choose one of: {', '.join(NORMALIZATIONS)}")
    return NORMALIZATIONS[name]


def check_codec(name: str) -> str:
    """The registry name for ``name`` (the registry's one check, as an EdgeposeError)."""
    try:
        return check_codec_name(name)
    except ValueError as exc:
        raise EdgeposeError(str(exc)) from None


def read_paddle_config(path: Path) -> dict[str, Any] | None:
    """mean/std/size from a PaddleDetection ``infer_cfg.yml`` beside ``path`` (None when absent).

    Read with a few patterns (the file is PaddleDetection's fixed export layout), so the runtime
    needs no YAML package."""
    cfg = path.parent / "infer_cfg.yml"
    if not cfg.is_file():
        return None
    text = cfg.read_text(errors="replace")

    def floats(key: str) -> tuple[float, ...] | None:
        m = re.search(rf"^\s*{key}:\s*\n((?:\s*-\s*[-0-9.eE]+\s*\n)+)", text, re.M)
        return tuple(float(v) for v in re.findall(r"-\s*([-0-9.eE]+)", m.group(1))) if m else None

    mean, std = floats("mean"), floats("std")
    is_scale = re.search(r"is_scale:\s*(true|false)", text, re.I)
    if mean is None or std is None or len(mean) != 3 or len(std) != 3:
        raise EdgeposeError(f"{cfg}: a PaddleDetection config without a 3-channel NormalizeImage mean/std")
    scale = 1 / 255 if (is_scale is None or is_scale.group(1).lower() == "true") else 1.0
    return {"pixel_scale": scale, "mean": mean, "std": std, "codec": "msra", "source": cfg.name}


def contract_overrides(embedded: dict[str, Any] | None, where: str = "model metadata") -> dict[str, Any]:
    """Fields of :class:`ModelContract` stated by an edgepose contract dict (bundle metadata), checked
    strictly (:mod:`edgepose.contract_fields`): a damaged field is one EdgeposeError naming it and ``where``."""
    from ..contract_fields import check_codec_fields, check_normalization_fields

    if not embedded:
        return {}
    out: dict[str, Any] = {}
    inp = embedded.get("input", {})
    if not isinstance(inp, dict):
        raise EdgeposeError(f"{where}: damaged contract: `input` must be an object")
    if "normalization" in inp:
        out.update(check_normalization_fields(inp["normalization"], where))
    if "layout" in inp:
        out["layout"] = str(inp["layout"]).upper()
    output = embedded.get("output", {})
    if not isinstance(output, dict):
        raise EdgeposeError(f"{where}: damaged contract: `output` must be an object")
    if "codec" in output:
        checked = check_codec_fields(output["codec"], where, "output.codec")
        out.update({("codec" if k == "name" else k): v for k, v in checked.items()})
    return out


def unit_mean_std(name: str) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The normalisation ``name`` as (mean, std) on pixels / 255, the form ONNX converters take:
    ``(pixels / 255 - mean) / std`` equals ``(pixels * pixel_scale - m) / s`` of the table."""
    n = normalization(name)
    k = 255.0 * n["pixel_scale"]  # 1 for pixel_scale 1/255, 255 for raw pixels
    return tuple(m / k for m in n["mean"]), tuple(s / k for s in n["std"])
