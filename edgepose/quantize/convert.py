"""Keras model -> TFLite flatbuffer with a fixed batch of 1 and fully static shapes."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from .._quiet import quiet_stderr
from .._tf import import_tensorflow
from ..errors import EdgeposeError
from ..fsutil import atomic_write_bytes
from .verify import verify_tflite

FORMATS = ("fp32", "fp16", "dynamic", "int8", "int16x8")
IO_TYPES = ("int8", "uint8", "float")


def _frozen_function(model):
    """Concrete function with batch 1, variables frozen into constants (avoids READ_VARIABLE ops)."""
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    _, h, w, c = model.input_shape
    spec = tf.TensorSpec([1, h, w, c], tf.float32, name="image")
    fn = tf.function(lambda x: model(x, training=False), input_signature=[spec])
    return convert_variables_to_constants_v2(fn.get_concrete_function())


def make_converter(model, fmt: str, calib: np.ndarray | None = None, io: str = "int8"):
    """A configured ``tf.lite.TFLiteConverter`` for ``fmt`` (batch 1, frozen variables).

    ``calib`` (``uint8 [N, H, W, 3]`` crops through the inference preprocessing) is the
    representative dataset of ``int8``/``int16x8``.
    """
    if fmt not in FORMATS:
        raise EdgeposeError(f"unknown format '{fmt}'; choose one of: {', '.join(FORMATS)}")
    if io not in IO_TYPES:
        raise EdgeposeError(f"unknown --io '{io}'; choose one of: {', '.join(IO_TYPES)}")
    tf = import_tensorflow()
    converter = tf.lite.TFLiteConverter.from_concrete_functions([_frozen_function(model)])
    if fmt == "fp16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    elif fmt == "dynamic":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    elif fmt in ("int8", "int16x8"):
        if calib is None or len(calib) == 0:
            raise EdgeposeError(f"--format {fmt} needs a calibration set (--calib DIR)")
        _, h, w, _ = model.input_shape
        if calib.shape[1:3] != (h, w):
            raise EdgeposeError(f"calibration crops are {calib.shape[1]}x{calib.shape[2]} but the model input is {h}x{w} (HxW)")
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = representative_dataset(calib)
        if fmt == "int8":
            converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
            if io != "float":
                converter.inference_input_type = tf.int8 if io == "int8" else tf.uint8
                converter.inference_output_type = tf.int8 if io == "int8" else tf.uint8
        else:
            converter.target_spec.supported_ops = [tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
            if io != "float":
                converter.inference_input_type = tf.int16
                converter.inference_output_type = tf.int16
    return converter


def representative_dataset(calib: np.ndarray):
    """TFLite's representative-dataset factory: one float32 ``[1, H, W, 3]`` crop per step."""

    def generate():
        for crop in calib:
            yield [crop[None].astype(np.float32)]

    return generate


def quantize(
    model,
    out: str | Path,
    fmt: str = "int8",
    calib: np.ndarray | None = None,
    io: str = "int8",
    allow_float: bool = False,
    float_layers: list[str] | None = None,
) -> dict[str, Any]:
    """Convert ``model`` (a Keras model or a ``.keras`` path) and write ``out`` atomically.

    ``calib`` (``uint8 [N, H, W, 3]`` crops) is required for ``int8``/``int16x8``. ``io``
    sets the int8 model's input/output type. ``float_layers`` (TFLite tensor names from the
    per-layer report) stay in float in an int8 model; that implies ``allow_float``. Returns
    the verification report of the file.
    """
    if isinstance(model, (str, Path)):
        from ..train import load_model

        model = load_model(model)
    converter = make_converter(model, fmt, calib, io)
    try:
        with quiet_stderr(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if float_layers:
                if fmt != "int8":
                    raise EdgeposeError("--float-layers applies to --format int8 only")
                flatbuffer = _selectively_quantized(converter, calib, float_layers)
            else:
                flatbuffer = converter.convert()
    except EdgeposeError:
        raise
    except Exception as exc:
        raise EdgeposeError(f"TFLite conversion to {fmt} failed: {str(exc).splitlines()[0][:300]}") from None
    path = atomic_write_bytes(out, flatbuffer)
    allow = allow_float or bool(float_layers) or (fmt == "int8" and io == "float")
    return verify_tflite(path, expect=fmt, allow_float=allow)


def _selectively_quantized(converter, calib: np.ndarray, float_layers: list[str]) -> bytes:
    """int8 model with the named tensors' ops left in float (TFLite's QuantizationDebugger denylist)."""
    import tensorflow as tf

    from .debug import quantized_tensor_names

    known = quantized_tensor_names(converter, calib)
    unknown = [name for name in float_layers if name not in known]
    if unknown:
        raise EdgeposeError(
            f"--float-layers: no quantized layer named {unknown[0]!r}; take names from the per-layer report (--layer-report)"
        )
    options = tf.lite.experimental.QuantizationDebugOptions(denylisted_nodes=list(float_layers), fully_quantize=False)
    debugger = tf.lite.experimental.QuantizationDebugger(
        converter=converter, debug_dataset=representative_dataset(calib[:8]), debug_options=options
    )
    return debugger.get_nondebug_quantized_model()
