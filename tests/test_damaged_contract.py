"""A damaged embedded contract is one line naming the field, in every command that reads it (issue 32):
the ``.keras`` a run writes, and the ``.tflite`` quantize and bundle write, all through one parser."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from edgepose.contract import KERAS_MEMBER

CASES = {
    "negative sigma": ({"sigma": -1.0}, '"output.codec.sigma" must be > 0'),
    "sigma not a number": ({"sigma": "abc"}, '"output.codec.sigma" must be a finite number'),
    "codec as a string": ("udp", '"output.codec" must be an object'),
    "unknown codec": ({"name": "nosuch"}, '"output.codec.name": unknown codec'),
}


def _rewrite(src: Path, dst: Path, edit) -> Path:
    with zipfile.ZipFile(src) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members[KERAS_MEMBER] = edit(members[KERAS_MEMBER])
    with zipfile.ZipFile(dst, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return dst


def _damaged(src: Path, dst: Path, codec_patch) -> Path:
    def edit(raw: bytes) -> bytes:
        contract = json.loads(raw)
        old = contract["output"]["codec"]
        contract["output"]["codec"] = {**old, **codec_patch} if isinstance(codec_patch, dict) else codec_patch
        return json.dumps(contract).encode()

    return _rewrite(src, dst, edit)


def _cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "edgepose", *args], capture_output=True, text=True, timeout=600)


def _one_line(res: subprocess.CompletedProcess, needle: str, name: str) -> None:
    lines = [ln for ln in res.stderr.strip().splitlines() if ln.strip()]
    assert res.returncode != 0, name
    assert "Traceback" not in res.stderr, (name, res.stderr[-800:])
    assert any(needle in ln for ln in lines), (name, res.stderr[-800:])


@pytest.mark.parametrize("case", list(CASES))
def test_library_readers_refuse_a_damaged_contract(tiny_run, tmp_path, case):
    from edgepose.contract import read_keras_contract
    from edgepose.errors import EdgeposeError
    from edgepose.estimators import load_estimator

    patch, message = CASES[case]
    bad = _damaged(Path(tiny_run["summary"]["checkpoint"]), tmp_path / "bad.keras", patch)
    with pytest.raises(EdgeposeError, match=re.escape(message)):
        read_keras_contract(bad)
    with pytest.raises(EdgeposeError, match="damaged contract"):
        load_estimator(bad)


def test_a_truncated_contract_is_an_error_not_a_fallback(tiny_run, tmp_path):
    from edgepose.contract import read_keras_contract
    from edgepose.errors import EdgeposeError

    bad = _rewrite(Path(tiny_run["summary"]["checkpoint"]), tmp_path / "cut.keras", lambda raw: raw[: len(raw) // 2])
    with pytest.raises(EdgeposeError, match="edgepose_contract.json.: damaged contract: not valid JSON"):
        read_keras_contract(bad)


def test_validation_during_training_decodes_with_the_trained_sigma(tiny_run):
    """The run's own contract holds the sigma it trained with (the estimator that validates reads it)."""
    from edgepose.contract import read_keras_contract

    trained = read_keras_contract(tiny_run["summary"]["checkpoint"])
    assert trained is not None and trained.sigma == tiny_run["summary"]["config"]["sigma"]


@pytest.mark.slow
def test_every_command_prints_one_line(tiny_run, synth_set, tmp_path):
    """A negative sigma in a .keras (quantize, bench accuracy, export-onnx) and in a bundled .tflite (predict,
    bench accuracy, bundle, bundle inspect): one line naming the field, non-zero exit, nothing written."""
    from edgepose.bundle.bundle import bundle

    bad = _damaged(Path(tiny_run["summary"]["checkpoint"]), tmp_path / "bad.keras", {"sigma": -1.0})
    data = ["--data", str(synth_set["json"]), "--images", str(synth_set["images"])]
    runs = {
        "quantize": _cli("quantize", str(bad), "--out", str(tmp_path / "q.tflite"), "--format", "fp32"),
        "bench accuracy (.keras)": _cli("bench", "accuracy", str(bad), *data),
        "export-onnx": _cli("export-onnx", str(bad), "--out", str(tmp_path / "m.onnx")),
    }
    for name, res in runs.items():
        _one_line(res, '"output.codec.sigma" must be > 0', name)
    assert not (tmp_path / "q.tflite").exists() and not (tmp_path / "m.onnx").exists()

    bundle(tiny_run["int8"], tmp_path / "b")
    blob = (tmp_path / "b" / tiny_run["int8"].name).read_bytes()
    sigma = b'"sigma": 2.0'
    assert blob.count(sigma) == 1
    broken = tmp_path / "broken.tflite"
    broken.write_bytes(blob.replace(sigma, b'"sigma":-2.0'))
    image = next(Path(synth_set["images"]).iterdir())
    runs = {
        "predict": _cli("predict", str(broken), str(image), "--out", str(tmp_path / "p"), "--detector", "none"),
        "bench accuracy (.tflite)": _cli("bench", "accuracy", str(broken), *data),
        "bundle": _cli("bundle", str(broken), "--out", str(tmp_path / "b2")),
        "bundle inspect": _cli("bundle", "inspect", str(broken)),
    }
    for name, res in runs.items():
        _one_line(res, 'broken.tflite (metadata edgepose.contract): damaged contract: "output.codec.sigma" must be > 0', name)
    assert not (tmp_path / "p" / "results.json").exists() and not (tmp_path / "b2").exists()
