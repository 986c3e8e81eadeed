"""The resolved contract the runtime decodes with (:class:`ModelContract`), and where its fields come from.

Sources, first match wins per field:

1. an explicit contract (``contract.json`` of a bundle, or given in code) or the one embedded in the
   model file (``.tflite`` metadata, ``.onnx`` metadata_props of ``edgepose export-onnx``), parsed by
   :func:`edgepose.contract.parse_contract`;
2. a PaddleDetection export config beside the model (``infer_cfg.yml``: mean/std, input size;
   PaddleDetection heatmaps use the ``msra`` convention);
3. what the caller passes (``normalization``, ``codec``);
4. for ``.tflite`` files only: edgepose's own convention (RGB pixels 0..255, normalisation inside
   the model, ``gaussian`` codec).

The merge itself runs in :class:`edgepose.runtime.PoseEstimator`, which knows the tensors. Standard library only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..codecs.registry import check_codec_name
from ..defaults import CODEC, REFINE, SIGMA
from ..errors import EdgeposeError
from ..keypoints import COCO_KEYPOINTS


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
    refine: str = REFINE
    sources: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def stride(self) -> float:
        return self.input_size[0] / self.heatmap_size[0]

    @property
    def identity_normalization(self) -> bool:
        return self.pixel_scale == 1.0 and not any(self.mean) and all(s == 1.0 for s in self.std)


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
