"""Model size and cost: parameters, multiply-accumulates, layer count.

MACs count convolutions (regular, depthwise) and dense layers at the model's input size,
the convention of the published Lite-HRNet "FLOPs" (mmcv's counter reports MACs); elementwise
ops, normalisation and resizing are left out. ``FLOPs = 2 x MACs``.
"""

from __future__ import annotations

from typing import Any


def model_info(name: str, input_size: tuple[int, int]) -> dict[str, Any]:
    """``{"model", "input": [h, w], "params", "trainable_params", "macs", "flops", "layers"}``."""
    import numpy as np

    from .registry import create_model

    model = create_model(name, input_size)
    macs = 0
    for layer in model.layers:
        kind = type(layer).__name__
        if kind not in ("Conv2D", "DepthwiseConv2D", "Dense"):
            continue
        out_shape = layer.output.shape
        spatial = int(np.prod(out_shape[1:-1])) if len(out_shape) > 2 else 1
        kernel = layer.kernel.shape  # conv: kh, kw, cin, cout (depthwise: kh, kw, cin, mult)
        if kind == "Dense":
            macs += int(np.prod(kernel))
        else:
            macs += spatial * int(np.prod(kernel))
    trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
    return {
        "model": name,
        "input": [input_size[1], input_size[0]],
        "params": int(model.count_params()),
        "trainable_params": trainable,
        "macs": macs,
        "flops": 2 * macs,
        "layers": len(model.layers),
    }
