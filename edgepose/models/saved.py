"""Reading and writing ``.keras`` checkpoints (the models room, so that estimators, quantize and train
share it), with the model contract ``train`` writes into the checkpoint (:mod:`edgepose.contract`: a zip
member beside Keras's own, read back by :func:`edgepose.contract.read_keras_contract`)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from .._tf import import_tensorflow
from ..contract import Contract, write_keras_contract
from ..errors import EdgeposeError, missing_file


def save_model(model, path: str | Path, contract: Contract | None = None) -> None:
    """``model.save(path)``, then ``contract`` added to the zip (:func:`edgepose.contract.write_keras_contract`)."""
    model.save(path)
    if contract is not None:
        write_keras_contract(path, contract)


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
