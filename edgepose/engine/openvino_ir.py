"""OpenVINO backend of the model seam: ``.xml`` IR (+ ``.bin`` beside it), CPU plugin
(optional extra: ``pip install openvino``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._quiet import quiet_stderr
from ..errors import EdgeposeError
from .model import Model, TensorSpec


class OpenVINOModel(Model):
    """An OpenVINO IR model compiled for the CPU with ``threads`` inference threads."""

    backend = "openvino"

    def __init__(self, path: Path, threads: int = 1):
        try:
            import openvino as ov
        except ImportError:
            raise EdgeposeError(
                f"{path.name} is an OpenVINO IR model: its runtime is missing; pip install 'edgepose[openvino]' (openvino)"
            ) from None
        if not path.with_suffix(".bin").is_file():
            raise EdgeposeError(f"{path.name}: OpenVINO IR needs its weights {path.with_suffix('.bin').name} beside it")
        try:
            with quiet_stderr():
                core = ov.Core()
                model = core.read_model(str(path))
                if any(p.get_partial_shape().is_dynamic for p in model.inputs):
                    raise EdgeposeError(f"{path.name}: dynamic input shape; reshape the IR to a fixed input size first")
                self.compiled = core.compile_model(
                    model,
                    "CPU",
                    {"INFERENCE_NUM_THREADS": threads, "PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": "f32"},
                )
        except EdgeposeError:
            raise
        except Exception as exc:  # openvino raises RuntimeError subclasses with long multi-line texts
            raise EdgeposeError(f"cannot load OpenVINO model {path}: {str(exc).strip().splitlines()[0][:200]}") from None
        import threading

        self._local = threading.local()  # one infer request per thread: the model is shared, requests are not

        def spec(i, port):
            name = next(iter(port.get_names()), f"port{i}")
            return TensorSpec(
                name, tuple(int(d) for d in port.get_shape()), np.dtype(port.get_element_type().to_dtype()), index=i
            )

        super().__init__(
            path,
            [spec(i, p) for i, p in enumerate(self.compiled.inputs)],
            [spec(i, p) for i, p in enumerate(self.compiled.outputs)],
        )

    def _run(self, arrays: list[np.ndarray]) -> list[np.ndarray]:
        request = getattr(self._local, "request", None)
        if request is None:
            request = self._local.request = self.compiled.create_infer_request()
        results = request.infer({i: a for i, a in enumerate(arrays)})
        return [np.array(results[port]) for port in self.compiled.outputs]
