"""The model seam: ``open_model(path)`` -> :class:`Model` over LiteRT (``.tflite``), ONNX Runtime
(``.onnx``) and OpenVINO (``.xml``); the TFLite flatbuffer reader and the contract metadata.

numpy (and LiteRT for ``.tflite``) only at import time; never TensorFlow.
"""

from .model import BACKENDS, Model, TensorSpec, dequantize, display_name, model_size, open_model, quantize  # noqa: F401
