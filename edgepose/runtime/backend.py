"""Interpreter backends: LiteRT (``ai_edge_litert``) first, ``tflite_runtime`` as a fallback.

Never imports TensorFlow.
"""

from __future__ import annotations

from pathlib import Path

from .._quiet import quiet_stderr
from ..errors import EdgeposeError

BACKENDS = ("auto", "litert", "tflite_runtime")


def _interpreter_class(backend: str = "auto"):
    if backend not in BACKENDS:
        raise EdgeposeError(f"unknown backend '{backend}'; choose one of: {', '.join(BACKENDS)}")
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


def make_interpreter(model_path: str | Path, threads: int = 1, backend: str = "auto"):
    """A ready (tensors allocated) interpreter for ``model_path`` with ``threads`` CPU threads."""
    p = Path(model_path)
    if not p.is_file():
        raise EdgeposeError(f"model file not found: {p}")
    if threads < 1:
        raise EdgeposeError(f"threads must be at least 1, got {threads}")
    cls = _interpreter_class(backend)
    try:
        with quiet_stderr():  # LiteRT announces its XNNPACK delegate on stderr
            interp = cls(model_path=str(p), num_threads=threads)
            interp.allocate_tensors()
    except (ValueError, RuntimeError) as exc:
        raise EdgeposeError(f"cannot load TFLite model {p}: {str(exc).splitlines()[0][:200]}") from None
    return interp
