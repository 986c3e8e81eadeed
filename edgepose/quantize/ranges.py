"""Activation ranges chosen by quantization error, not by the extremes of the calibration set.

TFLite's calibrator keeps each activation's min and max over every calibration image. With
heavy-tailed activations (a few pixels of a few images far outside the bulk, typical of
detectors and of SiLU networks fed raw pixels), that range makes the int8 step so coarse that
the bulk of the values lose most of their precision, and more calibration images make it worse.

Here the calibrated float model (``TFLiteConverter`` with calibration only) is run again on the
calibration images to histogram every activation inside its calibrated range; each range is
then narrowed to the ``[lo, hi]`` (0 kept inside) that minimises the expected squared error of
256-level uniform quantization with clamping, over that histogram (the MSE calibration of
TensorRT and PyTorch's ``HistogramObserver``). Inputs of a SiLU (``x * sigmoid(x)``) may be
clamped from below at ``SILU_FLOOR`` at no cost: ``|silu(x)| < 0.003`` there. The edited
statistics go through TFLite's own quantizer (``mlir_quantize``), so the ops and kernels are
unchanged; only scales and zero points differ.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..defaults import THREADS
from ..errors import EdgeposeError

RANGE_METHODS = ("auto", "minmax", "mse", "tied")  # tied: edgepose's min/max with TFLite's scale ties, as trained by --qat
SILU_FLOOR = -8.0
HIST_BINS = 2048
LEVELS = 255  # int8 steps


def _model_object(calibrated: bytes):
    from tensorflow.lite.tools import flatbuffer_utils

    return flatbuffer_utils.read_model_from_bytearray(bytearray(calibrated))


def _stat_tensors(model) -> dict[int, tuple[float, float]]:
    """Tensor index -> calibrated ``(min, max)`` for every activation that carries statistics."""
    out = {}
    for i, t in enumerate(model.subgraphs[0].tensors):
        q = t.quantization
        if q is not None and q.min is not None and q.max is not None and len(q.min) == 1 and len(q.max) == 1:
            out[i] = (float(q.min[0]), float(q.max[0]))
    return out


def _silu_inputs(model) -> set[int]:
    """Tensors consumed only by a LOGISTIC and a MUL that multiplies the tensor by that logistic."""
    from tensorflow.lite.tools import flatbuffer_utils

    g = model.subgraphs[0]
    names = [flatbuffer_utils.opcode_to_name(model, op.opcodeIndex) for op in g.operators]
    consumers: dict[int, list[int]] = {}
    for k, op in enumerate(g.operators):
        for t in op.inputs:
            consumers.setdefault(int(t), []).append(k)
    found = set()
    for t, ops in consumers.items():
        if len(ops) != 2 or sorted(names[k] for k in ops) != ["LOGISTIC", "MUL"]:
            continue
        logistic = next(k for k in ops if names[k] == "LOGISTIC")
        mul = next(k for k in ops if names[k] == "MUL")
        if set(int(v) for v in g.operators[mul].inputs) == {t, int(g.operators[logistic].outputs[0])}:
            found.add(t)
    return found


def activation_histograms(calibrated: bytes, images: np.ndarray, tensors: dict[int, tuple[float, float]], bins: int = HIST_BINS):
    """Histograms (``bins`` bins over each tensor's calibrated range) of ``tensors`` over ``images``
    (``[N, H, W, C]`` float32, the model's float input), from LiteRT with every tensor kept."""
    import warnings

    from ..engine.litert import interpreter_class

    with warnings.catch_warnings():  # LiteRT warns that keeping every tensor is for debugging: it is, here
        warnings.simplefilter("ignore")
        interp = interpreter_class()(model_content=calibrated, experimental_preserve_all_tensors=True, num_threads=THREADS)
    interp.allocate_tensors()
    inp = interp.get_input_details()[0]
    hists = {t: np.zeros(bins, np.int64) for t in tensors}
    for x in images:
        interp.set_tensor(inp["index"], x[None].astype(np.float32))
        interp.invoke()
        for t, (lo, hi) in tensors.items():
            if hi <= lo:
                continue
            v = interp.get_tensor(t).ravel()
            idx = np.clip(((v - lo) / (hi - lo) * bins).astype(np.int64), 0, bins - 1)
            hists[t] += np.bincount(idx, minlength=bins)
    return hists


def mse_range(hist: np.ndarray, lo: float, hi: float, floor: float | None = None, candidates: int = 96) -> tuple[float, float]:
    """The ``[a, b]`` within ``[lo, hi]`` (``a <= 0 <= b``) minimising the expected squared error of
    uniform 256-level quantization with clamping, for values histogrammed in ``hist`` over
    ``[lo, hi]``. ``floor``: values below it cost nothing when clamped to it (SiLU inputs)."""
    n = len(hist)
    total = hist.sum()
    if total == 0 or hi <= lo:
        return lo, hi
    width = (hi - lo) / n
    centres = lo + (np.arange(n) + 0.5) * width
    p = hist / total
    floored = floor is not None and floor > lo
    if floored:
        lo_candidates = np.array([min(floor, 0.0)])
    else:
        lo_candidates = lo * np.geomspace(1.0, 1e-3, candidates) if lo < 0 else np.array([lo])
    hi_candidates = hi * np.geomspace(1.0, 1e-3, candidates) if hi > 0 else np.array([hi])
    above = np.maximum(centres[None, :] - hi_candidates[:, None], 0.0)
    high_err = (p[None, :] * above**2).sum(1)  # clamping from above: the same for every lower bound
    best, best_err = (lo, hi), np.inf
    for a in lo_candidates:
        for_low = np.minimum(centres - a, 0.0)  # negative where below a
        if floored:
            for_low = np.where(centres < floor, 0.0, for_low)
        low_err = (p * for_low**2).sum()
        step2 = ((hi_candidates - a) / LEVELS) ** 2 / 12.0  # rounding error inside the range
        inside = ((centres[None, :] >= a) & (centres[None, :] <= hi_candidates[:, None])) * p[None, :]
        errs = low_err + high_err + inside.sum(1) * step2
        k = int(np.argmin(errs))
        if errs[k] < best_err:
            best_err, best = float(errs[k]), (float(a), float(hi_candidates[k]))
    return best


def refine_ranges(calibrated: bytes, images: np.ndarray, method: str = "mse") -> tuple[bytes, list[dict[str, Any]]]:
    """The calibrated model with its activation ranges chosen by ``method`` (``minmax``: unchanged)
    and one row per changed tensor ``{"tensor", "calibrated", "chosen"}``. Graph inputs keep their
    calibrated range."""
    if method not in RANGE_METHODS:
        raise EdgeposeError(f"unknown range method '{method}'; choose one of: {', '.join(RANGE_METHODS)}")
    if method == "minmax":
        return calibrated, []
    from tensorflow.lite.tools import flatbuffer_utils

    model = _model_object(calibrated)
    g = model.subgraphs[0]
    stats = _stat_tensors(model)
    for t in g.inputs:
        stats.pop(int(t), None)
    silu = _silu_inputs(model)
    hists = activation_histograms(calibrated, images, stats)
    rows = []
    for t, (lo, hi) in stats.items():
        a, b = mse_range(hists[t], lo, hi, floor=SILU_FLOOR if t in silu else None)
        if (a, b) != (lo, hi):
            q = g.tensors[t].quantization
            q.min, q.max = np.array([a], np.float32), np.array([b], np.float32)
            name = g.tensors[t].name
            name = name.decode() if isinstance(name, bytes) else str(name)
            rows.append({"tensor": name, "calibrated": [lo, hi], "chosen": [a, b]})
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model)), rows


def quantize_with_ranges(
    converter, images: np.ndarray, method: str = "mse", hist_images: int = 64
) -> tuple[bytes, list[dict[str, Any]]]:
    """A full-integer model from an int8-configured ``converter`` (representative dataset set)
    whose activation ranges are chosen by ``method`` over the first ``hist_images`` of
    ``images`` (the model's float input, ``[N, H, W, C]``). Returns ``(flatbuffer, changed rows)``.

    The calibrated float model comes from the converter's calibration-only mode (the step
    ``QuantizationDebugger`` uses internally); quantization is TFLite's own ``mlir_quantize``
    with the converter's input/output types.
    """
    import tensorflow as tf
    from tensorflow.lite.python import convert

    converter._experimental_calibrate_only = True  # noqa: SLF001 (TF's calibration-only switch)
    try:
        calibrated = converter.convert()
    finally:
        converter._experimental_calibrate_only = False  # noqa: SLF001
    refined, rows = refine_ranges(calibrated, np.asarray(images[:hist_images], np.float32), method)
    io_in = converter.inference_input_type or tf.float32
    io_out = converter.inference_output_type or tf.float32
    return convert.mlir_quantize(refined, input_data_type=io_in, output_data_type=io_out), rows
