"""The contract of an edgepose heatmap model, as stored in its bundle metadata."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..keypoints import COCO_KEYPOINTS, FLIP_PAIRS, SKELETON
from ..transforms import BOX_PADDING


def contract_for(model_path: str | Path, version: str = "", extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything an app needs to feed and read ``model_path``: read off its tensors plus the
    project's fixed conventions (crop, codec, keypoints). ``extra`` (training data, accuracy,
    latency ...) is merged under ``"about"``."""
    from ..runtime.estimator import PoseEstimator

    est = PoseEstimator(model_path)
    c = est.contract
    w, h = c.input_size
    hw, hh = c.heatmap_size
    return {
        "model": Path(model_path).stem,
        "version": version,
        "input": {
            "size_hw": [h, w],
            "layout": "NHWC",
            "colour": "RGB",
            "pixels": "0..255 (normalisation is inside the model)",
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
                "name": "gaussian-centre-aligned",
                "sigma": est.codec.sigma,
                "heatmap_to_input": "x_in = (x_hm + 0.5) * stride - 0.5",
                "refine": est.codec.refine,
                "score": "heatmap maximum (dequantized)",
            },
        },
        "keypoints": list(COCO_KEYPOINTS),
        "skeleton": [list(e) for e in SKELETON],
        "flip_pairs": [list(p) for p in FLIP_PAIRS],
        "about": extra or {},
    }
