"""Mutation checks (the former benchmarks/mutation_demo.sh): each test that once could not fail is run
against the defect it used to miss, in a throwaway copy of the code. The mutation must apply (its text
is found) and the test must then fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("EDGEPOSE_SHARED", REPO.parent / "shared"))

# (what the defect is, file, text, replacement, the test that must catch it)
MUTATIONS = [
    ("predict not registered in the CLI", "edgepose/cli/evaluate.py", '@command(app, "predict")', '# @command(app, "predict")',
     "tests/test_cli.py::test_help_lists_every_registered_command_without_importing_tensorflow"),
    ("evaluate imports train (a cycle between top-level rooms)", "edgepose/evaluate.py", "from .errors import",
     "from .train import TrainConfig  # noqa\nfrom .errors import", "tests/test_layering.py::test_no_import_cycle_between_rooms"),
    ("a private name crosses a room", "edgepose/bench/profile.py", "from __future__ import annotations",
     "from __future__ import annotations\nfrom edgepose.engine.litert import _probe as _p  # noqa",
     "tests/test_layering.py::test_no_private_name_crosses_a_room"),
    ("a converter imports another's private name", "converters/onnx_detector.py", "from .onnx_tflite import ",
     "from .onnx_tflite import _random_crops  # noqa\nfrom .onnx_tflite import ",
     "tests/test_layering.py::test_no_private_name_crosses_a_room"),
    ("--flip silently accepted on MoveNet", "edgepose/runtime/peers.py",
     '        if flip_test:\n            raise EdgeposeError(f"`flip_test` is for heatmap models',
     '        if False:\n            raise EdgeposeError(f"`flip_test` is for heatmap models',
     "tests/test_hostile_round2.py::test_flip_on_a_model_that_cannot_flip_is_refused"),
    ("quantize drops the training contract", "edgepose/quantize/convert.py",
     "    if contract is not None:\n        embed_training_contract(path, contract)", "    pass",
     "tests/test_model_contract.py::test_the_codec_travels_from_train_to_every_reader"),
    ("mobile decode ignores the udp codec", "edgepose/bundle/decode_spec.py",
     '    if codec == "udp":\n        return v * (n * stride - 1) / (n - 1)',
     '    if codec == "udp":\n        return (v + 0.5) * stride - 0.5', "tests/test_bundle.py -k follows_the_contracts_codec"),
    ("resume refuses a run killed between its first log and its first state", "edgepose/train.py",
     'for name in ("state", "train_log.json")', 'for name in ("state",)',
     "tests/test_train.py -k first_log_and_its_first_state"),
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("what, path, text, replacement, test", MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_the_mutation_applies_and_is_caught(what, path, text, replacement, test, tmp_path):
    copy = tmp_path / "repo"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "fixtures")
    for part in ("edgepose", "converters", "tests"):
        shutil.copytree(REPO / part, copy / part, ignore=ignore)
    for f in ("pyproject.toml",):
        shutil.copy(REPO / f, copy / f)
    if SHARED.is_dir():  # tests that find ../shared beside the repository find it beside the copy too
        (tmp_path / "shared").symlink_to(SHARED.resolve(), target_is_directory=True)
    target = copy / path
    source = target.read_text()
    assert source.count(text) >= 1, f"the mutation '{what}' no longer applies: {path} has no {text!r}"
    target.write_text(source.replace(text, replacement, 1))
    env = {**os.environ, "PYTHONPATH": str(copy), "EDGEPOSE_SHARED": str(SHARED), "EDGEPOSE_SHARED_PEERS": str(SHARED / "peers")}
    res = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *test.split()],
        cwd=copy, capture_output=True, text=True, env=env, timeout=900,
    )  # fmt: skip
    summary = res.stdout.strip().splitlines()[-1] if res.stdout.strip() else res.stderr[-300:]
    assert " passed" in summary or " failed" in summary, f"{what}: the test did not run: {summary}"
    assert res.returncode == 1 and "failed" in summary, f"{what}: not caught by {test} ({summary})"


@pytest.mark.slow
def test_the_copy_runs_the_unmutated_tests_green(tmp_path):
    """The control: without a mutation, the same copy passes (a failure above is the mutation's)."""
    copy = tmp_path / "repo"
    for part in ("edgepose", "converters", "tests"):
        shutil.copytree(REPO / part, copy / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "fixtures"))
    env = {**os.environ, "PYTHONPATH": str(copy)}
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_layering.py"],
                         cwd=copy, capture_output=True, text=True, env=env, timeout=900)  # fmt: skip
    assert res.returncode == 0, res.stdout[-1500:]
    probe = subprocess.run([sys.executable, "-c", "import edgepose; print(edgepose.__file__)"], cwd=copy, capture_output=True,
                           text=True, env=env)  # fmt: skip
    assert Path(probe.stdout.strip()).is_relative_to(copy), probe.stdout  # the copy's code ran, not the installed one
