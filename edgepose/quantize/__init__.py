"""Quantize room: Keras -> TFLite (fp32, fp16, dynamic, int8, int16x8) with calibration and verification."""

from .calibration import build_calibration, load_calibration  # noqa: F401
from .convert import FORMATS, quantize  # noqa: F401
from .verify import verify_tflite  # noqa: F401
