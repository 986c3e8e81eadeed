"""A model's contract embedded in its ``.tflite`` file as named metadata buffers.

TFLite models carry ``metadata`` entries (name -> buffer). edgepose writes two: the standard
``TFLITE_METADATA`` (read by Android Studio, the Task Library and ``MetadataDisplayer``; see
:mod:`edgepose.engine.standard_metadata`) and ``edgepose.contract``, holding UTF-8 JSON: input
size, colour order, normalisation or quantization, output kind, heatmap stride and codec, keypoint names, skeleton, flip pairs,
version, training data and measured figures. Interpreters ignore unknown metadata, so a
bundled model runs everywhere unchanged. Numpy + the LiteRT schema bindings only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import EdgeposeError
from ..fsutil import atomic_write_bytes
from .flatbuffer import tflite_schema

METADATA_NAME = "edgepose.contract"
CONTRACT_FORMAT = "edgepose-contract/1"


def read_metadata(path: str | Path) -> dict[str, Any] | None:
    """The embedded contract of ``path``, or None when the model has none.

    A present but unreadable entry raises EdgeposeError (the file was damaged or edited).
    """
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
        try:
            contract = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise EdgeposeError(
                f"{p}: the '{METADATA_NAME}' metadata is not valid JSON ({exc.__class__.__name__}); re-bundle the model"
            ) from None
        if not isinstance(contract, dict) or contract.get("format") != CONTRACT_FORMAT:
            raise EdgeposeError(f"{p}: the '{METADATA_NAME}' metadata is not an {CONTRACT_FORMAT} contract; re-bundle the model")
        return contract
    return None


def write_metadata(src: str | Path, dst: str | Path, contract: dict[str, Any]) -> int:
    """Copy ``src`` to ``dst`` (atomically) with ``contract`` embedded twice: as the
    ``edgepose.contract`` JSON entry, and as standard TFLite Model Metadata (``TFLITE_METADATA``
    plus the keypoint label file appended as a zip; :mod:`edgepose.engine.standard_metadata`).
    Earlier entries of both kinds are replaced. Returns the size overhead in bytes."""
    schema = tflite_schema()
    import flatbuffers

    from .standard_metadata import METADATA_BUFFER_NAME, append_associated_files, associated_files, model_metadata

    source = Path(src)
    data = source.read_bytes()
    model = schema.ModelT.InitFromPackedBuf(bytearray(data), 0)  # an appended zip of an earlier bundle is dropped
    payload = json.dumps({**contract, "format": CONTRACT_FORMAT}, indent=1, sort_keys=True).encode("utf-8")
    ours = {METADATA_NAME, METADATA_BUFFER_NAME}
    for old in (m for m in (model.metadata or []) if _entry_name(m) in ours):
        model.buffers[old.buffer].data = None  # the replaced entry's bytes go too (they were left behind before)
    model.metadata = [m for m in (model.metadata or []) if _entry_name(m) not in ours]
    for name, blob in ((METADATA_NAME, payload), (METADATA_BUFFER_NAME, model_metadata(contract))):
        buffer = schema.BufferT()
        buffer.data = np.frombuffer(blob, dtype=np.uint8)
        model.buffers.append(buffer)
        entry = schema.MetadataT()
        entry.name = name
        entry.buffer = len(model.buffers) - 1
        model.metadata.append(entry)
    builder = flatbuffers.Builder(len(data) + len(payload) + 4096)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    packed = append_associated_files(bytes(builder.Output()), associated_files(contract))
    atomic_write_bytes(dst, packed)
    return len(packed) - len(data)


def _entry_name(entry: Any) -> str:
    name = entry.name or b""
    return name.decode("utf-8", "replace") if isinstance(name, bytes) else str(name)
