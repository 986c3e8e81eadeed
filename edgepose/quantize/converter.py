"""The configured ``tf.lite.TFLiteConverter`` (batch 1, frozen variables) and its representative
dataset: shared by conversion (:mod:`.convert`) and the per-layer report (:mod:`.debug`)."""

from __future__ import annotations

import numpy as np

from .._tf import import_tensorflow
from ..errors import EdgeposeError

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
        raise EdgeposeError(f"unknown `io` '{io}'; choose one of: {', '.join(IO_TYPES)}")
    tf = import_tensorflow()
    converter = tf.lite.TFLiteConverter.from_concrete_functions([_frozen_function(model)])
    if fmt == "fp16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    elif fmt == "dynamic":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    elif fmt in ("int8", "int16x8"):
        if calib is None or len(calib) == 0:
            raise EdgeposeError(f"`fmt` {fmt} needs a calibration set (`calib`)")
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


def saved_model_int8_converter(folder, calib: np.ndarray, io: str = "int8"):
    """A full-integer int8 ``tf.lite.TFLiteConverter`` of the SavedModel in ``folder`` (onnx2tf's output for an
    ONNX model), calibrated on ``calib`` (``[N, H, W, 3]``, its input); ``io`` int8, or float for the
    per-layer report (the debugger compares float tensors)."""
    tf = import_tensorflow()
    converter = tf.lite.TFLiteConverter.from_saved_model(str(folder))
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative_dataset(calib)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    if io == "int8":
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    return converter


def representative_dataset(calib: np.ndarray):
    """TFLite's representative-dataset factory: one float32 ``[1, H, W, 3]`` crop per step."""

    def generate():
        for crop in calib:
            yield [crop[None].astype(np.float32)]

    return generate
