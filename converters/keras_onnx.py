"""Keras (.keras) -> ONNX through tf2onnx, for ONNX Runtime users. The model keeps edgepose's
contract: NHWC float input of RGB pixels in [0, 255] (normalisation inside), NHWC heatmaps; the
contract ``train`` wrote into the ``.keras`` (codec, sigma, input, keypoints, flip pairs) travels as
the ONNX ``metadata_props`` entry ``edgepose.contract`` (JSON), which ``edgepose convert`` reads back."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from edgepose.contract import Contract, onnx_metadata, read_onnx_contract
from edgepose.errors import EdgeposeError
from edgepose.fsutil import atomic_write_bytes

EXPORTED_INPUT = {"layout": "nhwc", "pixels": "RGB 0..255", "normalization": "raw", "normalization_inside_model": True}


def export_onnx(model: Any, out: str | Path, opset: int = 17, check_samples: int = 4) -> dict[str, Any]:
    """Write ``out`` (atomically) and return ``{"path", "size_bytes", "opset", "input", "max_abs_error",
    "contract"}``, where the error compares onnxruntime with Keras on random crops."""
    from edgepose._quiet import quiet_stderr
    from edgepose._tf import import_tensorflow

    contract = None
    if isinstance(model, (str, Path)):
        from edgepose.contract import read_keras_contract
        from edgepose.train import load_model

        contract = read_keras_contract(model)
        model = load_model(model)
    tf = import_tensorflow()
    try:
        import onnxruntime as ort
        import tf2onnx
    except ImportError:
        raise EdgeposeError("ONNX export needs the convert extra: pip install 'edgepose[convert]'") from None
    _, h, w, c = model.input_shape
    spec = (tf.TensorSpec([1, h, w, c], tf.float32, name="image"),)
    fn = tf.function(lambda x: model(x, training=False), input_signature=spec)
    try:
        with quiet_stderr(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            proto, _ = tf2onnx.convert.from_function(fn, input_signature=spec, opset=opset)
    except Exception as exc:
        raise EdgeposeError(f"tf2onnx could not export the model: {str(exc).splitlines()[0][:300]}") from None
    for key, value in onnx_metadata(contract, EXPORTED_INPUT).items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    data = proto.SerializeToString()
    path = atomic_write_bytes(out, data)
    with tempfile.TemporaryDirectory():
        session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    rng = np.random.default_rng(0)
    worst = 0.0
    for _ in range(check_samples):
        x = rng.uniform(0, 255, (1, h, w, c)).astype(np.float32)
        ref = np.asarray(model(x, training=False))
        got = session.run(None, {name: x})[0]
        worst = max(worst, float(np.abs(ref - got).max()))
    return {"path": str(path), "size_bytes": len(data), "opset": opset, "input": [1, h, w, c], "max_abs_error": worst,
            "contract": contract.to_dict() if contract is not None else None}  # fmt: skip


def stated_contract(model, where: str) -> tuple[Contract | None, dict[str, Any] | None]:
    """``(contract, input description)`` an ONNX ``ModelProto``'s ``metadata_props`` state (None where absent),
    through the one parser (:func:`edgepose.contract.read_onnx_contract`); damaged: one EdgeposeError."""
    return read_onnx_contract({entry.key: entry.value for entry in model.metadata_props}, where)
