"""A model's contract embedded in its ``.tflite`` file as named metadata buffers.

TFLite models carry ``metadata`` entries (name -> buffer). edgepose writes two: the standard
``TFLITE_METADATA`` (read by Android Studio, the Task Library and ``MetadataDisplayer``; see
:mod:`edgepose.engine.standard_metadata`) and ``edgepose.contract``, holding the contract's UTF-8 JSON
(:mod:`edgepose.contract`: its one schema and parser) with the tensor facts of the file (dtypes,
quantization, heatmap size). Interpreters ignore unknown metadata, so a
bundled model runs everywhere unchanged. Numpy + the LiteRT schema bindings only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..contract import Contract, TensorFacts, contract_from_json, contract_json
from ..errors import EdgeposeError
from ..fsutil import atomic_write_bytes
from .flatbuffer import tflite_schema

METADATA_NAME = "edgepose.contract"


def _stored(path: str | Path) -> tuple[Contract, dict[str, Any]] | None:
    from .flatbuffer import read_tflite  # validates identifier / truncation

    p = Path(path)
    read_tflite(p)
    data = p.read_bytes()
    schema = tflite_schema()
    model = schema.Model.GetRootAs(data, 0)
    for i in range(model.MetadataLength()):
        entry = model.Metadata(i)
        if (entry.Name() or b"").decode("utf-8", "replace") != METADATA_NAME:
            continue
        buf = model.Buffers(entry.Buffer())
        raw = buf.DataAsNumpy().tobytes() if buf.DataLength() else b""
        return contract_from_json(raw, f"{p} (metadata {METADATA_NAME})")
    return None


def read_contract(path: str | Path) -> Contract | None:
    """The contract embedded in ``path``, or None when the model has none. A damaged one (not JSON, an
    unknown format, a field that fails the schema) raises one EdgeposeError naming the field."""
    stored = _stored(path)
    return stored[0] if stored else None


def read_metadata(path: str | Path) -> dict[str, Any] | None:
    """The embedded contract of ``path`` as stored (the dict apps read: tensor facts, ``about``), checked by
    the same parser as :func:`read_contract`; None when the model has none."""
    stored = _stored(path)
    return stored[1] if stored else None


def tensor_facts(path: str | Path) -> TensorFacts:
    """Input size, input and heatmap-output dtypes and quantization, heatmap size: read off a TFLite file's tensors."""
    from .flatbuffer import read_tflite

    graph = read_tflite(path)
    tensors = [graph.tensor(i) for i in (*graph.inputs, *graph.outputs)]
    if len(graph.inputs) != 1 or any(t is None for t in tensors):
        raise EdgeposeError(f"{path}: expected one image input, got {len(graph.inputs)} inputs")
    inp = tensors[0]
    heat = next((t for t in tensors[1:] if len(t.shape) == 4), None)
    if heat is None:
        raise EdgeposeError(f"{path}: no 4-D heatmap output to describe")
    nhwc = inp.shape[-1] == 3
    h, w = (inp.shape[1], inp.shape[2]) if nhwc else (inp.shape[2], inp.shape[3])
    hh, hw = (heat.shape[1], heat.shape[2]) if nhwc else (heat.shape[2], heat.shape[3])

    def quant(t) -> tuple[float, int]:
        return (float(t.scale[0]), int(t.zero_point[0])) if t.quantized else (0.0, 0)

    return TensorFacts((int(h), int(w)), inp.dtype.lower(), quant(inp), (int(hh), int(hw)), heat.dtype.lower(), quant(heat))


def write_metadata(src: str | Path, dst: str | Path, contract: Contract) -> int:
    """Copy ``src`` to ``dst`` (atomically) with ``contract`` embedded twice: as the
    ``edgepose.contract`` JSON entry (with the tensor facts of ``src``), and as standard TFLite Model
    Metadata (``TFLITE_METADATA`` plus the keypoint label file appended as a zip;
    :mod:`edgepose.engine.standard_metadata`). Earlier entries of both kinds are replaced. Returns the
    size overhead in bytes."""
    schema = tflite_schema()
    import flatbuffers

    from .standard_metadata import METADATA_BUFFER_NAME, append_associated_files, associated_files, model_metadata

    source = Path(src)
    facts = tensor_facts(source)
    if facts.input_hw != contract.input_hw:
        (h, w), (th, tw) = contract.input_hw, facts.input_hw
        raise EdgeposeError(f"{source}: the contract says input {h}x{w}, the model takes {th}x{tw}")
    data = source.read_bytes()
    model = schema.ModelT.InitFromPackedBuf(bytearray(data), 0)  # an appended zip of an earlier bundle is dropped
    payload = contract_json(contract, facts)
    stored = contract.to_dict(facts)
    ours = {METADATA_NAME, METADATA_BUFFER_NAME}
    for old in (m for m in (model.metadata or []) if _entry_name(m) in ours):
        model.buffers[old.buffer].data = None  # the replaced entry's bytes go too (they were left behind before)
    model.metadata = [m for m in (model.metadata or []) if _entry_name(m) not in ours]
    for name, blob in ((METADATA_NAME, payload), (METADATA_BUFFER_NAME, model_metadata(stored))):
        buffer = schema.BufferT()
        buffer.data = np.frombuffer(blob, dtype=np.uint8)
        model.buffers.append(buffer)
        entry = schema.MetadataT()
        entry.name = name
        entry.buffer = len(model.buffers) - 1
        model.metadata.append(entry)
    builder = flatbuffers.Builder(len(data) + len(payload) + 4096)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    packed = append_associated_files(bytes(builder.Output()), associated_files(stored))
    atomic_write_bytes(dst, packed)
    return len(packed) - len(data)


def _entry_name(entry: Any) -> str:
    name = entry.name or b""
    return name.decode("utf-8", "replace") if isinstance(name, bytes) else str(name)
