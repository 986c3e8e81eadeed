"""``edgepose bundle``: the model with its contract embedded, a model card and the contract JSON."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from ..errors import EdgeposeError
from ..fsutil import atomic_write_json, read_json
from .contract import contract_for
from .metadata import read_metadata, write_metadata


def bundle(model: str | Path, out_dir: str | Path, version: str = "", metrics: str | Path | None = None,
           card: str | Path | None = None) -> dict[str, Any]:  # fmt: skip
    """Write ``OUT/NAME.tflite`` (contract embedded), ``OUT/contract.json`` and ``OUT/MODEL_CARD.md``
    (``card`` copied, or a short generated one). Returns ``{"model", "overhead_bytes", "contract"}``."""
    src = Path(model)
    extra = read_json(metrics, "metrics file") if metrics else {}
    contract = contract_for(src, version=version, extra=extra)
    out = Path(out_dir)
    target = out / src.name
    if target.resolve() == src.resolve():
        raise EdgeposeError(f"--out {out} would overwrite the input model; choose another folder")
    overhead = write_metadata(src, target, contract)
    atomic_write_json(out / "contract.json", read_metadata(target))
    if card:
        shutil.copyfile(card, out / "MODEL_CARD.md")
    else:
        i, o = contract["input"], contract["output"]
        (out / "MODEL_CARD.md").write_text(
            f"# {src.stem}\n\nInput {i['size_hw'][0]}x{i['size_hw'][1]} RGB {i['dtype']} ({i['pixels']}); output "
            f"{o['kind']} {o['size_hw'][0]}x{o['size_hw'][1]}x{len(contract['keypoints'])} {o['dtype']}, stride {o['stride']:g}. "
            "The full contract is embedded in the model (`edgepose bundle inspect`).\n"
        )
    return {"model": str(target), "overhead_bytes": overhead, "contract": read_metadata(target)}


def inspect_bundle(path: str | Path) -> dict[str, Any]:
    """The embedded contract, or one clear error when the model has none."""
    contract = read_metadata(path)
    if contract is None:
        raise EdgeposeError(f"{path} carries no edgepose contract; bundle it with 'edgepose bundle {path} --out DIR'")
    return contract
