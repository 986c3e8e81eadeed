"""The model seam: one public class that runs any supported model file.

A :class:`Model` has ``inputs`` and ``outputs`` (:class:`TensorSpec`: name, shape, dtype and
quantization), and three calls:

* ``quantize_input(x, i)``: float values -> what input ``i`` takes (int8/uint8 quantized with its
  scale and zero point, or float as it is);
* ``invoke_raw(*arrays)``: feed arrays already in the inputs' dtypes, run, return the outputs as
  the model wrote them (int8 stays int8);
* ``invoke(*arrays)``: feed float values (quantized where an input is integer), return float32
  outputs (dequantized ``(q - zero_point) * scale``).

Backends (:func:`open_model` picks one by file suffix): LiteRT for ``.tflite`` (core),
ONNX Runtime for ``.onnx`` and OpenVINO for ``.xml`` IR (optional extras, imported only when
such a file is opened). numpy only at import time; never TensorFlow.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ..errors import EdgeposeError, missing_file


@dataclass(frozen=True)
class TensorSpec:
    """One input or output. ``quant`` = (scale, zero_point); (0.0, 0) for float tensors.
    ``index`` is the backend's handle (LiteRT tensor index, or the position)."""

    name: str
    shape: tuple[int, ...]
    dtype: np.dtype
    quant: tuple[float, int] = (0.0, 0)
    index: int = 0

    @property
    def quantized(self) -> bool:
        return bool(self.quant[0]) and not np.issubdtype(self.dtype, np.floating)

    def describe(self) -> str:
        return f"{np.dtype(self.dtype).name}{list(self.shape)}"


def quantize(x: np.ndarray, spec: TensorSpec) -> np.ndarray:
    """Float values -> the dtype of ``spec`` (``round(x / scale + zero_point)``, saturated)."""
    dtype = np.dtype(spec.dtype)
    if np.issubdtype(dtype, np.floating):
        return np.asarray(x).astype(dtype)
    scale, zero = spec.quant
    if not scale:
        return np.asarray(x).astype(dtype)
    info = np.iinfo(dtype)
    return np.clip(np.round(np.asarray(x, np.float32) / scale + zero), info.min, info.max).astype(dtype)


def dequantize(q: np.ndarray, spec: TensorSpec) -> np.ndarray:
    """Raw values of ``spec`` -> float32 (``(q - zero_point) * scale`` for quantized integers)."""
    q = np.asarray(q)
    scale, zero = spec.quant
    if scale and not np.issubdtype(q.dtype, np.floating):
        return ((q.astype(np.float32) - zero) * scale).astype(np.float32)
    return q.astype(np.float32)


class Model(abc.ABC):
    """A loaded model file. Subclasses implement ``_run`` (raw arrays in, raw arrays out)."""

    backend = "abstract"

    def __init__(self, path: Path, inputs: Sequence[TensorSpec], outputs: Sequence[TensorSpec]):
        self.path = Path(path)
        self.inputs: list[TensorSpec] = list(inputs)
        self.outputs: list[TensorSpec] = list(outputs)

    @property
    def name(self) -> str:
        return self.path.name

    def quantize_input(self, x: np.ndarray, i: int = 0) -> np.ndarray:
        return quantize(x, self.inputs[i])

    def invoke_raw(self, *arrays: np.ndarray) -> list[np.ndarray]:
        """Arrays in the inputs' own dtypes and shapes -> raw outputs (copies)."""
        if len(arrays) != len(self.inputs):
            raise EdgeposeError(f"{self.name} takes {len(self.inputs)} input(s), got {len(arrays)}")
        for a, spec in zip(arrays, self.inputs):
            if tuple(a.shape) != tuple(spec.shape):
                raise EdgeposeError(f"{self.name}: input '{spec.name}' takes shape {list(spec.shape)}, got {list(a.shape)}")
        return self._run([np.ascontiguousarray(a, dtype=spec.dtype) for a, spec in zip(arrays, self.inputs)])

    def invoke(self, *arrays: np.ndarray) -> list[np.ndarray]:
        """Float arrays -> float32 outputs (quantize in, dequantize out where the tensors are integer)."""
        raw = self.invoke_raw(*(self.quantize_input(a, i) for i, a in enumerate(arrays)))
        return [dequantize(r, spec) for r, spec in zip(raw, self.outputs)]

    def output_by_shape(self, shape: Sequence[int]) -> int:
        """Position of the first output of ``shape``; raises when there is none."""
        for i, spec in enumerate(self.outputs):
            if list(spec.shape) == list(shape):
                return i
        raise EdgeposeError(f"{self.name}: no output of shape {list(shape)} ({self.describe()})")

    def describe(self) -> str:
        """``inputs int8[1, 128, 96, 3]; outputs int8[1, 32, 24, 17]``: for error messages."""
        ins = ", ".join(s.describe() for s in self.inputs)
        outs = ", ".join(s.describe() for s in self.outputs)
        return f"inputs {ins}; outputs {outs}"

    def runner(self, *arrays: np.ndarray) -> Callable[[], None]:
        """A zero-argument call that runs inference on ``arrays`` (raw, in the inputs' dtypes) and
        nothing else, for latency measurement: inputs are set once where the backend allows."""
        feed = [np.ascontiguousarray(a, dtype=spec.dtype) for a, spec in zip(arrays, self.inputs)]
        return lambda: self._run(feed) and None

    @abc.abstractmethod
    def _run(self, arrays: list[np.ndarray]) -> list[np.ndarray]:
        """Raw arrays (validated) -> raw outputs in ``self.outputs`` order."""


def display_name(path: str | Path) -> str:
    """A short name for tables: the file name, with its folder when the name alone says nothing
    (``128x96/model.xml``)."""
    p = Path(path)
    if p.stem in ("model", "inference", "saved_model", "best", "last"):
        return f"{p.parent.name}/{p.name}"
    return p.name


BACKENDS = ("auto", "litert", "tflite_runtime", "onnxruntime", "openvino")
SUFFIXES = {".tflite": "litert", ".onnx": "onnxruntime", ".xml": "openvino"}


def max_threads() -> int:
    """The most inference threads edgepose accepts: 4 x this machine's cores (a huge count made
    LiteRT crash with a segmentation fault)."""
    import os

    return 4 * (os.cpu_count() or 1)


def check_threads(threads: int) -> int:
    """``threads`` if in 1 .. :func:`max_threads`, else one error naming the range."""
    limit = max_threads()
    if not 1 <= int(threads) <= limit:
        raise EdgeposeError(f"`threads` must be between 1 and {limit} (4 x the {limit // 4} cores here), got {threads}")
    return int(threads)


def backend_for(path: str | Path, backend: str = "auto") -> str:
    """The backend that reads ``path``: by suffix under ``auto``; a TFLite interpreter choice
    (``litert``/``tflite_runtime``) only for ``.tflite`` files."""
    p = Path(path)
    if backend not in BACKENDS:
        raise EdgeposeError(f"unknown backend '{backend}'; choose one of: {', '.join(BACKENDS)}")
    by_suffix = SUFFIXES.get(p.suffix.lower())
    if by_suffix is None:
        raise EdgeposeError(f"{p.name}: unknown model format '{p.suffix}'; edgepose reads {', '.join(SUFFIXES)}")
    if backend == "auto":
        return by_suffix
    tflite = backend in ("litert", "tflite_runtime")
    if tflite != (by_suffix == "litert") or (not tflite and backend != by_suffix):
        raise EdgeposeError(f"backend '{backend}' cannot read {p.name}; it needs '{by_suffix}'")
    return backend


def open_model(path: str | Path, threads: int = 1, backend: str = "auto", xnnpack: bool = True) -> Model:
    """Load ``path`` with the backend its suffix calls for (``.tflite``, ``.onnx``, ``.xml``)."""
    p = Path(path)
    chosen = backend_for(p, backend)
    if not p.is_file():
        raise missing_file(p)
    check_threads(threads)
    if chosen in ("litert", "tflite_runtime"):
        from .litert import LiteRTModel

        return LiteRTModel(p, threads=threads, backend="auto" if backend == "auto" else chosen, xnnpack=xnnpack)
    if chosen == "onnxruntime":
        from .onnx_runtime import OnnxRuntimeModel

        return OnnxRuntimeModel(p, threads=threads)
    from .openvino_ir import OpenVINOModel

    return OpenVINOModel(p, threads=threads)


def model_size(path: str | Path) -> int:
    """Bytes on disk of a model file, with the weights file beside an OpenVINO ``.xml``."""
    p = Path(path)
    size = p.stat().st_size
    if p.suffix.lower() == ".xml" and p.with_suffix(".bin").is_file():
        size += p.with_suffix(".bin").stat().st_size
    return size
