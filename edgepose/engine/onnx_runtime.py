"""ONNX Runtime backend of the model seam (optional extra: ``pip install onnxruntime``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import EdgeposeError
from .model import Model, TensorSpec

ORT_TYPES = {
    "tensor(float)": np.float32,
    "tensor(float16)": np.float16,
    "tensor(double)": np.float64,
    "tensor(int8)": np.int8,
    "tensor(uint8)": np.uint8,
    "tensor(int32)": np.int32,
    "tensor(int64)": np.int64,
}


def _shape(dims, name: str, path: Path) -> tuple[int, ...]:
    """Static shape; a symbolic batch dimension becomes 1, any other symbolic dimension is an error."""
    out = []
    for i, d in enumerate(dims):
        if isinstance(d, int) and d > 0:
            out.append(d)
        elif i == 0:
            out.append(1)
        else:
            raise EdgeposeError(
                f"{path.name}: tensor '{name}' has a dynamic dimension {i} ({d}); export it with a fixed input size"
            )
    return tuple(out)


class OnnxRuntimeModel(Model):
    """An ``.onnx`` model in an ``onnxruntime.InferenceSession`` (CPU provider)."""

    backend = "onnxruntime"

    def metadata_props(self) -> dict[str, str]:
        """The file's ``metadata_props`` (key -> string), read by :func:`edgepose.contract.read_onnx_contract`."""
        return dict(self.session.get_modelmeta().custom_metadata_map)

    def __init__(self, path: Path, threads: int = 1):
        try:
            import onnxruntime as ort
        except ImportError:
            raise EdgeposeError(
                f"{path.name} is an ONNX model: its runtime is missing; pip install 'edgepose[onnx]' (onnxruntime)"
            ) from None
        ort.set_default_logger_severity(3)  # graph-load warnings (e.g. IR 3 initializers as inputs) go to the default logger
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own Fail/InvalidGraph/... classes
            raise EdgeposeError(f"cannot load ONNX model {path}: {str(exc).splitlines()[0][:200]}") from None

        def spec(i, t):
            if t.type not in ORT_TYPES:
                raise EdgeposeError(f"{path.name}: tensor '{t.name}' has unsupported type {t.type}")
            return TensorSpec(t.name, _shape(t.shape, t.name, path), np.dtype(ORT_TYPES[t.type]), index=i)

        super().__init__(
            path,
            [spec(i, t) for i, t in enumerate(self.session.get_inputs())],
            [spec(i, t) for i, t in enumerate(self.session.get_outputs())],
        )

    def _run(self, arrays: list[np.ndarray]) -> list[np.ndarray]:
        outs = self.session.run(None, {spec.name: a for spec, a in zip(self.inputs, arrays)})
        return [np.asarray(o) for o in outs]
