"""Per-layer quantization error: TFLite's QuantizationDebugger, summarised as the worst layers.

For every quantized op output the debugger compares the float value with the dequantized
int8 value on the same inputs. ``rmse / scale`` is the error in quantization steps: about
0.29 (1/sqrt(12)) is pure rounding; well above 1 means the layer's range is badly chosen
(outliers, or activations the calibration did not see).
"""

from __future__ import annotations

import csv
import io
import math
import warnings
from typing import Any

import numpy as np

from .._quiet import quiet_stderr
from ..errors import EdgeposeError
from .converter import make_converter, representative_dataset, saved_model_int8_converter


def _layer_statistics(converter, calib: np.ndarray) -> list[dict[str, Any]]:
    """One row per quantized op output of ``converter``'s int8 model on ``calib``: float vs dequantized int8."""
    import tensorflow as tf

    try:
        with quiet_stderr(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            debugger = tf.lite.experimental.QuantizationDebugger(converter=converter, debug_dataset=representative_dataset(calib))
            debugger.run()
            buf = io.StringIO()
            debugger.layer_statistics_dump(buf)
    except Exception as exc:
        raise EdgeposeError(f"per-layer quantization report failed: {str(exc).splitlines()[0][:300]}") from None
    rows = []
    for row in csv.DictReader(io.StringIO(buf.getvalue())):
        scale = float(row["scale"])
        mse = float(row["mean_squared_error"])
        rows.append(
            {
                "op": row["op_name"],
                "tensor": row["tensor_name"],
                "scale": scale,
                "range": scale * 255.0,
                "rmse": math.sqrt(mse),
                "rmse_over_scale": math.sqrt(mse) / scale if scale else float("inf"),
                "max_abs_error": float(row["max_abs_error"]),
            }
        )
    return rows


def quantized_tensor_names(converter, calib: np.ndarray) -> set[str]:
    """Names the debugger (and ``--float-layers``) accept: one per quantized op output."""
    return {row["tensor"] for row in _layer_statistics(converter, calib[:4])}


def layer_error_report(model, calib: np.ndarray, samples: int = 32) -> list[dict[str, Any]]:
    """Every quantized layer of ``model``'s int8 conversion, worst first by ``rmse_over_scale``:
    ``[{"op", "tensor", "scale", "range", "rmse", "rmse_over_scale", "max_abs_error"}]``."""
    return _worst_first(make_converter(model, "int8", calib, io="float"), calib[:samples])


def saved_model_layer_report(folder, calib: np.ndarray, samples: int = 32) -> list[dict[str, Any]]:
    """:func:`layer_error_report` of a SavedModel (``folder``: onnx2tf's output for an ONNX model), calibrated on
    ``calib`` (``[N, H, W, 3]``, the converted model's input)."""
    return _worst_first(saved_model_int8_converter(folder, calib, io="float"), calib[:samples])


def _worst_first(converter, calib: np.ndarray) -> list[dict[str, Any]]:
    return sorted(_layer_statistics(converter, calib), key=lambda r: -r["rmse_over_scale"])


def layer_report_markdown(rows: list[dict[str, Any]], top: int = 10) -> str:
    lines = [
        f"Worst {min(top, len(rows))} of {len(rows)} quantized layers (error in int8 steps; ~0.29 is pure rounding):",
        "",
        "| # | op | tensor | rmse/scale | range | max abs error |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for i, r in enumerate(rows[:top], 1):
        name = r["tensor"] if len(r["tensor"]) <= 70 else r["tensor"][:67] + "..."
        lines.append(f"| {i} | {r['op']} | `{name}` | {r['rmse_over_scale']:.2f} | {r['range']:.3g} | {r['max_abs_error']:.3g} |")
    return "\n".join(lines) + "\n"
