"""A damaged embedded contract is one line naming the field, in every command that reads it (issue 32)."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from edgepose.models.saved import TRAINING_CONTRACT

CASES = {
    "negative sigma": ({"sigma": -1.0}, "`codec.sigma` must be > 0"),
    "sigma not a number": ({"sigma": "abc"}, "`codec.sigma` must be a finite number"),
    "codec as a string": ("udp", "`codec` must be an object"),
    "unknown codec": ({"name": "nosuch"}, "`codec.name`: unknown codec"),
}


def _damaged(src: Path, dst: Path, codec_patch) -> Path:
    with zipfile.ZipFile(src) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    contract = json.loads(members[TRAINING_CONTRACT])
    contract["codec"] = codec_patch if not isinstance(codec_patch, dict) else {**contract["codec"], **codec_patch}
    members[TRAINING_CONTRACT] = json.dumps(contract).encode()
    with zipfile.ZipFile(dst, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return dst


def _truncated(src: Path, dst: Path) -> Path:
    with zipfile.ZipFile(src) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members[TRAINING_CONTRACT] = members[TRAINING_CONTRACT][: len(members[TRAINING_CONTRACT]) // 2]
    with zipfile.ZipFile(dst, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return dst


def _cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "edgepose", *args], capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("case", list(CASES))
def test_library_readers_refuse_a_damaged_contract(tiny_run, tmp_path, case):
    from edgepose.errors import EdgeposeError
    from edgepose.estimators import load_estimator
    from edgepose.models.saved import training_contract

    patch, message = CASES[case]
    bad = _damaged(Path(tiny_run["summary"]["checkpoint"]), tmp_path / "bad.keras", patch)
    with pytest.raises(EdgeposeError, match=message.replace("`", ".").replace("(", r"\(")):
        training_contract(bad)
    with pytest.raises(EdgeposeError, match="damaged contract"):
        load_estimator(bad)


def test_a_truncated_contract_is_an_error_not_a_fallback(tiny_run, tmp_path):
    from edgepose.errors import EdgeposeError
    from edgepose.models.saved import training_contract

    bad = _truncated(Path(tiny_run["summary"]["checkpoint"]), tmp_path / "cut.keras")
    with pytest.raises(EdgeposeError, match="damaged contract: edgepose_contract.json is not valid JSON"):
        training_contract(bad)


@pytest.mark.slow
def test_every_command_prints_one_line(tiny_run, synth_set, tmp_path):
    """quantize, bench accuracy and export-onnx on a .keras with a negative sigma: one line, exit 2, before any work."""
    bad = _damaged(Path(tiny_run["summary"]["checkpoint"]), tmp_path / "bad.keras", {"sigma": -1.0})
    runs = {
        "quantize": _cli("quantize", str(bad), "--out", str(tmp_path / "q.tflite"), "--format", "fp32"),
        "bench accuracy": _cli("bench", "accuracy", str(bad), "--data", str(synth_set["json"]), "--images",
                               str(synth_set["images"])),  # fmt: skip
    }
    for name, res in runs.items():
        lines = [ln for ln in res.stderr.strip().splitlines() if ln.strip()]
        assert res.returncode != 0, name
        assert "Traceback" not in res.stderr, name
        assert any("`codec.sigma` must be > 0" in ln for ln in lines), (name, res.stderr[-500:])
    assert not (tmp_path / "q.tflite").exists()
