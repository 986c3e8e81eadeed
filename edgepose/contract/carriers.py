"""Where a contract travels, and how it is written and read there (standard library only):

- ``.keras``: the zip member :data:`KERAS_MEMBER` beside Keras's own members (Keras ignores it);
- ONNX (``edgepose export-onnx``): ``metadata_props`` :data:`ONNX_CONTRACT_KEY` (the contract) and
  :data:`ONNX_INPUT_KEY` (the input description, always written: layout, pixels, normalisation);
- TFLite: the JSON payload of the ``edgepose.contract`` metadata entry (the flatbuffer part is
  :mod:`edgepose.engine.metadata`), also a bundle's ``contract.json``.

Every reader goes through :func:`edgepose.contract.parse_contract`.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from ..errors import EdgeposeError
from .fields import quoted
from .normalization import NORMALIZATIONS
from .schema import Contract, TensorFacts, parse_contract

KERAS_MEMBER = "edgepose_contract.json"
ONNX_CONTRACT_KEY = "edgepose.contract"  # the contract of an `edgepose export-onnx` file (JSON)
ONNX_INPUT_KEY = "edgepose.input"  # always written by export-onnx: layout, pixel range, normalisation ("raw": inside)
ONNX_LAYOUTS = ("nhwc", "nchw")


def contract_json(contract: Contract, tensors: TensorFacts | None = None) -> bytes:
    """The UTF-8 JSON every carrier stores (sorted keys, so equal contracts give equal bytes)."""
    return json.dumps(contract.to_dict(tensors), indent=1, sort_keys=True).encode("utf-8")


def contract_from_json(raw: bytes | str, where: str) -> tuple[Contract, dict[str, Any]]:
    """``(Contract, the dict as stored)`` of a JSON payload; damaged JSON or fields: one EdgeposeError."""
    try:
        value = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise EdgeposeError(f"{where}: damaged contract: not valid JSON ({exc.__class__.__name__})") from None
    return parse_contract(value, where), value


def write_keras_contract(path: str | Path, contract: Contract) -> None:
    """Add ``contract`` to the ``.keras`` zip at ``path`` (the caller writes ``path`` atomically)."""
    with zipfile.ZipFile(path, "a") as archive:
        if KERAS_MEMBER in archive.namelist():
            raise EdgeposeError(f"{path} already carries a contract; write the model afresh")
        archive.writestr(KERAS_MEMBER, contract_json(contract))


def read_keras_contract(path: str | Path) -> Contract | None:
    """The contract inside a ``.keras`` zip, or None when it has none (older or foreign files; a file that is
    no zip is :func:`edgepose.models.saved.load_model`'s to report). A damaged one: one EdgeposeError."""
    try:
        with zipfile.ZipFile(path) as archive:
            if KERAS_MEMBER not in archive.namelist():
                return None
            raw = archive.read(KERAS_MEMBER)
    except (OSError, zipfile.BadZipFile):
        return None
    return contract_from_json(raw, f"{path} ({KERAS_MEMBER})")[0]


def onnx_metadata(contract: Contract | None, input_description: dict[str, Any]) -> dict[str, str]:
    """The ``metadata_props`` entries an exported ONNX file carries (key -> JSON text)."""
    props = {ONNX_INPUT_KEY: json.dumps(input_description, sort_keys=True)}
    if contract is not None:
        props[ONNX_CONTRACT_KEY] = contract_json(contract).decode("utf-8")
    return props


def read_onnx_contract(props: dict[str, str], where: str) -> tuple[Contract | None, dict[str, Any] | None]:
    """``(contract, input description)`` an ONNX file's ``metadata_props`` state (None where absent).
    The description is ``{"layout": "nhwc"|"nchw", "normalization": a name of NORMALIZATIONS, ...}``."""
    contract = None
    if ONNX_CONTRACT_KEY in props:
        contract = contract_from_json(props[ONNX_CONTRACT_KEY], f"{where} (metadata {ONNX_CONTRACT_KEY})")[0]
    description = None
    if ONNX_INPUT_KEY in props:
        label = f"{where} (metadata {ONNX_INPUT_KEY})"
        try:
            description = json.loads(props[ONNX_INPUT_KEY])
        except ValueError:
            raise EdgeposeError(f"{label}: damaged contract: not valid JSON") from None
        if not isinstance(description, dict):
            raise EdgeposeError(f"{label}: damaged contract: must be an object")
        if description.get("normalization") not in NORMALIZATIONS:
            raise EdgeposeError(
                f"{label}: damaged contract: {quoted('normalization')} {description.get('normalization')!r} is not one of "
                f"{', '.join(NORMALIZATIONS)}"
            )
        if str(description.get("layout", "nhwc")).lower() not in ONNX_LAYOUTS:
            layout = description.get("layout")
            raise EdgeposeError(f"{label}: damaged contract: {quoted('layout')} {layout!r} is not nhwc or nchw")
    return contract, description
