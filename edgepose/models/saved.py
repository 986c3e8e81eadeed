"""Reading and writing ``.keras`` checkpoints (the models room, so that estimators, quantize and train
share it), with the model contract that ``train`` writes into the checkpoint: ``edgepose_contract.json``
beside Keras's own members in the ``.keras`` zip (Keras ignores it), read back by :func:`training_contract`
and carried by ``quantize`` into the TFLite file's metadata."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from .._tf import import_tensorflow
from ..errors import EdgeposeError, missing_file

TRAINING_CONTRACT = "edgepose_contract.json"
TRAINING_CONTRACT_FORMAT = "edgepose-train-contract/1"


def save_model(model, path: str | Path, contract: dict[str, Any] | None = None) -> None:
    """``model.save(path)``, then ``contract`` (codec, sigma, input, keypoints, flip pairs) added to the zip."""
    model.save(path)
    if contract is not None:
        payload = json.dumps({**contract, "format": TRAINING_CONTRACT_FORMAT}, indent=1, sort_keys=True)
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr(TRAINING_CONTRACT, payload)


def training_contract(path: str | Path) -> dict[str, Any] | None:
    """The contract ``train`` wrote into a ``.keras`` checkpoint, or None (older or foreign files, no contract).

    A contract that is there but damaged (not JSON, truncated, a codec that is no codec, a sigma that is no
    positive number) raises one EdgeposeError naming the field: no reader falls back to defaults silently."""
    from ..contract_fields import check_codec_fields

    try:
        with zipfile.ZipFile(path) as archive:
            if TRAINING_CONTRACT not in archive.namelist():
                return None
            raw = archive.read(TRAINING_CONTRACT)
    except (OSError, zipfile.BadZipFile):
        return None
    try:
        contract = json.loads(raw)
    except ValueError as exc:
        raise EdgeposeError(f"{path}: damaged contract: {TRAINING_CONTRACT} is not valid JSON ({exc.msg})") from None
    if not isinstance(contract, dict):
        raise EdgeposeError(f"{path}: damaged contract: {TRAINING_CONTRACT} is not a JSON object")
    if "codec" not in contract:
        raise EdgeposeError(f"{path}: damaged contract: no `codec` in {TRAINING_CONTRACT}")
    contract = {**contract, "codec": {**contract["codec"], **check_codec_fields(contract["codec"], str(path))}} if isinstance(
        contract["codec"], dict) else {**contract, "codec": check_codec_fields(contract["codec"], str(path))}  # fmt: skip
    return contract


def load_model(path: str | Path):
    """Load a ``.keras`` checkpoint written by :func:`edgepose.train.train` (custom layers registered).
    A missing, truncated or foreign file raises one-line EdgeposeError."""
    p = Path(path)
    if not p.is_file():
        raise missing_file(p)
    if not zipfile.is_zipfile(p):  # Keras would say "File not found" for a corrupt or truncated file
        raise EdgeposeError(f"cannot load Keras model {p}: not a .keras zip archive (corrupt, truncated or another format)")
    import_tensorflow()
    import keras

    from . import layers as _layers  # noqa: F401  (registers custom layers)

    try:
        return keras.saving.load_model(p)
    except Exception as exc:  # corrupt or foreign file
        raise EdgeposeError(f"cannot load Keras model {p}: {str(exc).splitlines()[0][:200]}") from None
