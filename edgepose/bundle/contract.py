"""The contract of an edgepose heatmap model, as stored in its bundle metadata."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..codec import CODEC_FORMULAS
from ..keypoints import COCO_KEYPOINTS, FLIP_PAIRS, SKELETON
from ..transforms import BOX_PADDING


def contract_for(
    model_path: str | Path,
    version: str = "",
    extra: dict[str, Any] | None = None,
    codec: str | None = None,
    name: str | None = None,
    sigma: float | None = None,
) -> dict[str, Any]:
    """Everything an app needs to feed and read ``model_path``: read off its tensors plus the
    project's fixed conventions (crop, keypoints) and its codec (``codec``: the registry name the
    model was trained with, when the file does not carry it; ``gaussian`` by default). ``extra``
    (training data, accuracy, latency ...) is merged under ``"about"``; ``name``: the model's name
    (default: the file name without suffix); ``sigma``: the trained target sigma, when the file does
    not carry it."""
    from ..runtime.estimator import PoseEstimator

    est = PoseEstimator(model_path, codec=codec)
    c = est.contract
    w, h = c.input_size
    hw, hh = c.heatmap_size
    contract = {
        "model": name or Path(model_path).stem,
        "version": version,
        "input": {
            "size_hw": [h, w],
            "layout": "NHWC",
            "colour": "RGB",
            "pixels": "0..255 (normalisation is inside the model)"
            if c.identity_normalization
            else "normalised, see normalization",
            "dtype": c.input_dtype,
            "quantization": {"scale": c.input_quant[0], "zero_point": c.input_quant[1]},
            "crop": {
                "box_padding": BOX_PADDING,
                "aspect_w_over_h": w / h,
                "rule": "COCO box [x, y, w, h] -> centre; widen the shorter side to the aspect; x padding; "
                "affine warp (bilinear, zero border) so the region maps edge to edge onto the input; "
                "pixel centres at integer coordinates",
            },
        },
        "output": {
            "kind": "heatmaps",
            "size_hw": [hh, hw],
            "stride": c.stride,
            "dtype": "int8" if c.output_quant[0] else "float32",
            "quantization": {"scale": c.output_quant[0], "zero_point": c.output_quant[1]},
            "codec": {
                "name": c.codec,
                "sigma": float(sigma) if sigma is not None else est.codec.sigma,
                "heatmap_to_input": CODEC_FORMULAS[c.codec],
                "refine": est.codec.refine,
                "score": "heatmap maximum (dequantized)",
            },
        },
        "keypoints": list(COCO_KEYPOINTS),
        "skeleton": [list(e) for e in SKELETON],
        "flip_pairs": [list(p) for p in FLIP_PAIRS],
        "about": extra or {},
    }
    if not c.identity_normalization:  # value = (pixel * pixel_scale - mean) / std, what the runtime reads back
        contract["input"]["normalization"] = {"pixel_scale": c.pixel_scale, "mean": list(c.mean), "std": list(c.std)}
    return contract
