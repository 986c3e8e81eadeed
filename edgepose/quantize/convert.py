"""Keras model -> TFLite flatbuffer with a fixed batch of 1 and fully static shapes."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from .._quiet import quiet_stderr
from ..contract import Contract
from ..defaults import RANGES
from ..errors import EdgeposeError
from ..fsutil import atomic_write_bytes
from .converter import FORMATS, IO_TYPES, make_converter, representative_dataset  # noqa: F401
from .verify import verify_tflite


def quantize(
    model,
    out: str | Path,
    fmt: str = "int8",
    calib: np.ndarray | None = None,
    io: str = "int8",
    allow_float: bool = False,
    float_layers: list[str] | None = None,
    ranges: str = RANGES,
    contract: Contract | None = None,
    equalize: bool = True,
) -> dict[str, Any]:
    """Convert ``model`` (a Keras model or a ``.keras`` path) and write ``out`` atomically.

    ``calib`` (``uint8 [N, H, W, 3]`` crops) is required for ``int8``/``int16x8``. ``io``
    sets the int8 model's input/output type. ``float_layers`` (TFLite tensor names from the
    per-layer report) stay in float in an int8 model; that implies ``allow_float``. Returns
    the verification report of the file (``ranges`` says which ranges were used). ``ranges`` (int8):
    ``auto`` picks ``tied`` for a model trained with the quantizer in the loop, ``mse`` otherwise;
    ``minmax`` keeps TFLite's calibrated
    activation ranges; ``mse`` narrows each to the range of least quantization error
    (:mod:`.ranges`); ``tied`` measures min/max itself with the scale ties TFLite imposes (concatenations,
    slices, shuffles, padding, resizes) and hands them to the converter as fake-quant ranges: the ranges
    ``train --qat`` trains with (:mod:`.qat`). The model contract ``train`` wrote into a ``.keras`` path
    (or ``contract``, a :class:`~edgepose.contract.Contract`, for a model object) is embedded in ``out``
    (edgepose and standard TFLite metadata), so every reader decodes with the trained codec and sigma.
    ``equalize`` (int8, int16x8) first runs the exact residual-stream equalization (:mod:`.equalize`) on
    the calibration crops; the report's ``equalization`` says what it scaled.
    """
    from .ranges import RANGE_METHODS

    if ranges not in RANGE_METHODS:
        raise EdgeposeError(f"unknown `ranges` '{ranges}'; choose one of: {', '.join(RANGE_METHODS)}")
    if ranges not in ("minmax", "auto") and (fmt != "int8" or float_layers):
        raise EdgeposeError("`ranges` other than minmax applies to `fmt` int8 without `float_layers`")
    if isinstance(model, (str, Path)):
        from ..contract import read_keras_contract
        from ..models.saved import load_model

        contract = contract or read_keras_contract(model)
        model = load_model(model)
    if ranges == "auto":
        ranges = resolve_ranges(contract) if fmt == "int8" and not float_layers else "minmax"
    equalization = None
    if equalize and fmt in ("int8", "int16x8") and calib is not None and len(calib):
        from .equalize import equalize as equalize_streams

        model, equalization = equalize_streams(model, calib.astype(np.float32))
    if ranges == "tied":  # the activation ranges the quantizer in the loop trains with, handed to the converter
        from .qat import calibrate_ranges, quantizer_in_the_loop

        traced, fake_quant = quantizer_in_the_loop(model, weights=False)
        calibrate_ranges(traced, fake_quant, calib.astype(np.float32))
        converter = make_converter(traced, fmt, calib, io)
    else:
        converter = make_converter(model, fmt, calib, io)
    try:
        with quiet_stderr(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if float_layers:
                if fmt != "int8":
                    raise EdgeposeError("`float_layers` applies to `fmt` int8 only")
                flatbuffer = _selectively_quantized(converter, calib, float_layers)
            elif ranges == "mse":
                from .ranges import quantize_with_ranges

                flatbuffer, _ = quantize_with_ranges(converter, calib.astype(np.float32), ranges)
            else:
                flatbuffer = converter.convert()
    except EdgeposeError:
        raise
    except Exception as exc:
        raise EdgeposeError(f"TFLite conversion to {fmt} failed: {str(exc).splitlines()[0][:300]}") from None
    path = atomic_write_bytes(out, flatbuffer)
    allow = allow_float or bool(float_layers) or (fmt == "int8" and io == "float")
    report = verify_tflite(path, expect=fmt, allow_float=allow)
    if contract is not None:
        embed_training_contract(path, contract)
    if equalization is not None:
        report["equalization"] = equalization
    if fmt == "int8":
        report["ranges"] = ranges
    return report


def resolve_ranges(contract: Contract | None) -> str:
    """``auto`` ranges: ``tied`` for a model trained with the quantizer in the loop (its contract says ``qat``),
    ``mse`` otherwise (measured on the shipped models; :data:`edgepose.defaults.RANGES`)."""
    return "tied" if contract is not None and contract.qat else "mse"


def embed_training_contract(path: str | Path, contract: Contract) -> None:
    """Write ``contract`` (from ``train``) into the TFLite file at ``path`` as its edgepose and standard
    metadata, with the tensor facts of the file (no runtime is opened)."""
    from ..engine.metadata import write_metadata

    write_metadata(path, path, contract if contract.model else contract.replace(model=Path(path).stem))


def _selectively_quantized(converter, calib: np.ndarray, float_layers: list[str]) -> bytes:
    """int8 model with the named tensors' ops left in float (TFLite's QuantizationDebugger denylist)."""
    import tensorflow as tf

    from .debug import quantized_tensor_names

    known = quantized_tensor_names(converter, calib)
    unknown = [name for name in float_layers if name not in known]
    if unknown:
        raise EdgeposeError(
            f"`float_layers`: no quantized layer named {unknown[0]!r}; take names from the per-layer report (`layer_report`)"
        )
    options = tf.lite.experimental.QuantizationDebugOptions(denylisted_nodes=list(float_layers), fully_quantize=False)
    debugger = tf.lite.experimental.QuantizationDebugger(
        converter=converter, debug_dataset=representative_dataset(calib[:8]), debug_options=options
    )
    return debugger.get_nondebug_quantized_model()
