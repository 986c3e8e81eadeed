"""LiteRT backend of the model seam: ``.tflite`` files through ``ai_edge_litert`` (``tflite_runtime``
as a fallback), with the Edge TPU delegate for compiled models. Never imports TensorFlow.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np

from .._quiet import quiet_stderr
from ..errors import EdgeposeError, missing_file
from .model import Model, TensorSpec, check_threads

INTERPRETERS = ("auto", "litert", "tflite_runtime")


def interpreter_class(backend: str = "auto"):
    """The LiteRT (or tflite-runtime) ``Interpreter`` class for ``backend``: auto | litert | tflite_runtime."""
    if backend not in INTERPRETERS:
        raise EdgeposeError(f"unknown TFLite interpreter '{backend}'; choose one of: {', '.join(INTERPRETERS)}")
    if backend in ("auto", "litert"):
        try:
            from ai_edge_litert.interpreter import Interpreter

            return Interpreter
        except ImportError:
            if backend == "litert":
                raise EdgeposeError("backend 'litert' needs the ai-edge-litert package: pip install ai-edge-litert") from None
    try:
        from tflite_runtime.interpreter import Interpreter

        return Interpreter
    except ImportError:
        raise EdgeposeError("no TFLite interpreter found: pip install ai-edge-litert (or tflite-runtime)") from None


EDGETPU_LIBRARY = "libedgetpu.so.1"


def is_edgetpu_model(path: Path) -> bool:
    """A model compiled by ``edgetpu_compiler`` (its name ends in ``_edgetpu.tflite``, or it holds the custom op)."""
    if path.name.endswith("_edgetpu.tflite"):
        return True
    try:
        return b"edgetpu-custom-op" in path.read_bytes()
    except OSError:
        return False


def make_interpreter(model_path: str | Path, threads: int = 1, backend: str = "auto", xnnpack: bool = True):
    """A ready (tensors allocated) interpreter for ``model_path`` with ``threads`` CPU threads.

    ``xnnpack=False`` uses the built-in kernels only (no default delegate): slower, but the op
    list then shows the file's own ops instead of ``DELEGATE`` nodes.
    """
    p = Path(model_path)
    if not p.is_file():
        raise missing_file(p)
    check_threads(threads)
    cls = interpreter_class(backend)
    try:
        with quiet_stderr():  # LiteRT announces its XNNPACK delegate on stderr
            kwargs = {}
            if not xnnpack:
                resolver = getattr(importlib.import_module(cls.__module__), "OpResolverType", None)
                if resolver is not None:
                    kwargs["experimental_op_resolver_type"] = resolver.BUILTIN_WITHOUT_DEFAULT_DELEGATES
            if is_edgetpu_model(p):
                kwargs["experimental_delegates"] = [_edgetpu_delegate(cls, p)]
            interp = cls(model_path=str(p), num_threads=threads, **kwargs)
            interp.allocate_tensors()
    except EdgeposeError:
        raise
    except (ValueError, RuntimeError) as exc:
        raise EdgeposeError(f"cannot load TFLite model {p}: {str(exc).splitlines()[0][:200]}") from None
    return interp


def _edgetpu_delegate(cls, path: Path):
    """The Edge TPU delegate from ``libedgetpu.so.1``, or one clear error when it is absent."""
    import ctypes

    load_delegate = getattr(importlib.import_module(cls.__module__), "load_delegate")
    try:
        ctypes.CDLL(EDGETPU_LIBRARY)  # probe first: a failed load_delegate leaves a broken object that warns at exit
        return load_delegate(EDGETPU_LIBRARY)
    except (ValueError, OSError, RuntimeError):
        raise EdgeposeError(
            f"{path.name} is compiled for the Coral Edge TPU, but {EDGETPU_LIBRARY} (or the TPU) is not available here: "
            "install libedgetpu1-std from Coral's apt repository and plug in the device, or run the uncompiled int8 model"
        ) from None


def _spec(detail: dict) -> TensorSpec:
    scale, zero = detail["quantization"]
    return TensorSpec(
        name=str(detail["name"]),
        shape=tuple(int(v) for v in detail["shape"]),
        dtype=np.dtype(detail["dtype"]),
        quant=(float(scale), int(zero)),
        index=int(detail["index"]),
    )


class LiteRTModel(Model):
    """A ``.tflite`` model in a LiteRT interpreter (``self.interpreter``, tensors allocated)."""

    backend = "litert"

    def __init__(self, path: Path, threads: int = 1, backend: str = "auto", xnnpack: bool = True):
        self.interpreter = make_interpreter(path, threads=threads, backend=backend, xnnpack=xnnpack)
        super().__init__(
            path,
            [_spec(d) for d in self.interpreter.get_input_details()],
            [_spec(d) for d in self.interpreter.get_output_details()],
        )

    def runner(self, *arrays: np.ndarray):
        for a, spec in zip(arrays, self.inputs):
            self.interpreter.set_tensor(spec.index, np.ascontiguousarray(a, dtype=spec.dtype))
        return self.interpreter.invoke

    def _run(self, arrays: list[np.ndarray]) -> list[np.ndarray]:
        for a, spec in zip(arrays, self.inputs):
            self.interpreter.set_tensor(spec.index, a)
        self.interpreter.invoke()
        return [np.array(self.interpreter.get_tensor(spec.index)) for spec in self.outputs]
