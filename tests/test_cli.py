"""The CLI as a user meets it: a real subprocess, one-line errors, exit codes."""

import json
import os
import subprocess
import sys

import pytest


def run(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "edgepose", *args], capture_output=True, text=True, timeout=timeout)


EXPECTED_COMMANDS = {"pipeline", "train", "quantize", "eval", "predict", "convert", "export-onnx", "bundle", "data", "calib",
                     "bench", "edgetpu", "model"}  # fmt: skip


def test_help_lists_every_registered_command_without_importing_tensorflow():
    """The command list comes from the typer app itself, and each name must be a row of the help's
    command panel (the app's description also contains most of these words)."""
    import re

    import typer.main

    from edgepose.cli import app

    registered = set(typer.main.get_command(app).commands)
    assert EXPECTED_COMMANDS <= registered, EXPECTED_COMMANDS - registered
    res = subprocess.run([sys.executable, "-m", "edgepose.cli", "--help"], capture_output=True, text=True,
                         env={**os.environ, "COLUMNS": "120"})  # fmt: skip
    assert res.returncode == 0, res.stderr
    rows = {m.group(1) for m in re.finditer(r"^\W+([a-z][a-z0-9-]*)\s{2,}\S", res.stdout, re.MULTILINE)}
    assert registered <= rows, registered - rows
    probe = subprocess.run(
        [sys.executable, "-c", "import sys, edgepose.cli; print('tensorflow' in sys.modules)"], capture_output=True, text=True
    )
    assert probe.stdout.strip() == "False"


@pytest.mark.parametrize(
    "args, message",
    [
        (["data", "synth", "--out", "{tmp}/a", "-n", "0"], "-n must be between"),
        (["data", "synth", "--out", "{tmp}/a", "-n", "abc"], "-n"),
        (["data", "synth", "--out", "/proc/nope/out", "-n", "2"], "cannot write"),
        (["pipeline", "--out", "{tmp}/p", "--n-train", "3"], "at least 10"),
        (["pipeline", "--out", "/proc/nope/p"], "cannot write"),
        (["pipeline", "--out", "{tmp}/p", "--input", "100x96"], "multiples of 32"),
        (["eval", "{tmp}/missing.json", "--gt", "{tmp}/missing.json"], "not found"),
        (["bench", "latency", "{tmp}/missing.tflite"], "not found"),
        (["data", "check", "{tmp}/missing.json", "--images", "{tmp}"], "not found"),
        (["train", "{tmp}/x.json", "--images", "{tmp}", "--out", "{tmp}-out/t", "--resume"], "nothing to resume"),
        (["train", "{tmp}/x.json", "--images", "{tmp}", "--out", "{tmp}-out/t", "--resume", "--force"], "contradict"),
        (["model", "info", "nope-1"], "unknown model"),
        (["data", "show", "{tmp}/missing.json", "--images", "{tmp}", "-n", "0"], "-n must be"),
        (["train", "{tmp}/x.json", "--images", "{tmp}", "--out", "{tmp}-out/t", "--model", "nope"], "unknown model"),
        (["train", "{tmp}/x.json", "--images", "{tmp}", "--out", "{tmp}-out/t", "--input", "tallxwide"], "HEIGHTxWIDTH"),
        (["train", "{tmp}/empty.json", "--images", "{tmp}", "--out", "{tmp}-out/t"], "no people with keypoints"),
        (["train", "{tmp}/empty.json", "--images", "{tmp}", "--out", "{tmp}-out/t", "--augment", "wild"], "unknown augmentation"),
        (["train", "{tmp}/empty.json", "--images", "{tmp}", "--out", "{tmp}-out/t", "--ohkm", "40"], "--ohkm"),
        # library errors name parameters (`teacher_weight`, `force`); the CLI shows the flags
        (
            ["train", "{tmp}/empty.json", "--images", "{tmp}", "--out", "{tmp}-out/t", "--teacher-weight", "-1"],
            "--teacher-weight must",
        ),
        (["data", "synth", "--out", "{tmp}", "-n", "2"], "pass --force to overwrite"),
        # ranges checked before any work (a huge thread count made LiteRT segfault)
        (["bench", "latency", "{model}", "--threads", "99999"], "--threads must be between 1 and"),
        (["predict", "{model}", "{tmp}", "--out", "{tmp}-out/p", "--threads", "99999"], "--threads must be between 1 and"),
        (
            ["predict", "{model}", "{tmp}", "--out", "{tmp}-out/p", "--detector", "{model}", "--det-threshold", "2"],
            "--det-threshold",
        ),  # noqa: E501
        (
            ["predict", "{model}", "{tmp}", "--out", "{tmp}-out/p", "--detector", "{model}", "--max-people", "-1"],
            "--max-people must",
        ),  # noqa: E501
        (["data", "check", "{tmp}/deep.json", "--images", "{tmp}"], "nests too deeply"),
        (["eval", "{tmp}/deep.json", "--gt", "{tmp}/deep.json"], "nests too deeply"),
        (["calib", "build", "--synthetic", "--out", "{tmp}/c", "--input", "4096x4096"], "at most 1024"),
        (["train", "{tmp}/missing_image.json", "--images", "{tmp}", "--out", "{tmp}-out/t"], "image(s) not found"),
    ],
)
def test_bad_input_gives_one_line_and_nonzero_exit(tmp_path, args, message):
    empty = {"images": [], "annotations": [], "categories": [{"id": 1, "name": "person"}]}
    (tmp_path / "empty.json").write_text(__import__("json").dumps(empty))
    (tmp_path / "deep.json").write_text("[" * 200_000)
    person = {"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "keypoints": [5, 5, 2] * 17}
    lost = {**empty, "images": [{"id": 1, "file_name": "gone.jpg"}], "annotations": [person]}
    (tmp_path / "missing_image.json").write_text(__import__("json").dumps(lost))
    from edgepose.pretrained import pretrained_tflite

    model = pretrained_tflite()
    res = run(*[a.format(tmp=tmp_path, model=model) for a in args])
    assert res.returncode != 0
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, res.stderr
    assert message in lines[0] and "Traceback" not in res.stderr


def test_pipeline_refuses_an_existing_folder_without_force(tmp_path):
    (tmp_path / "report.json").write_text("{}")
    res = run("pipeline", "--out", str(tmp_path))
    assert res.returncode == 1 and "--force" in res.stderr
    assert json.loads((tmp_path / "report.json").read_text()) == {}


def test_synth_then_eval_ground_truth(tmp_path):
    pytest.importorskip("pycocotools")
    res = run("data", "synth", "--out", str(tmp_path / "d"), "-n", "6", "--seed", "2")
    assert res.returncode == 0, res.stderr
    coco = json.loads((tmp_path / "d/person_keypoints.json").read_text())
    preds = [
        {"image_id": a["image_id"], "category_id": 1, "keypoints": a["keypoints"], "score": 1.0}
        for a in coco["annotations"]
        if a["num_keypoints"] > 0
    ]
    (tmp_path / "preds.json").write_text(json.dumps(preds))
    res = run("eval", str(tmp_path / "preds.json"), "--gt", str(tmp_path / "d/person_keypoints.json"), "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["AP"] == pytest.approx(1.0)


@pytest.mark.slow
def test_calib_build_and_quantize_from_the_cli(tiny_run, synth_set, tmp_path):
    calib = tmp_path / "calib"
    res = run("calib", "build", "--data", str(synth_set["json"]), "--images", str(synth_set["images"]),
              "-n", "6", "--input", "64x64", "--out", str(calib))  # fmt: skip
    assert res.returncode == 0, res.stderr
    out = tmp_path / "m.tflite"
    args = ["quantize", tiny_run["summary"]["checkpoint"], "--format", "int8", "--io", "uint8", "--calib", str(calib)]
    res = run(*args, "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert "CONV_2D" in res.stdout and "KiB" in res.stdout
    from edgepose.runtime import PoseEstimator

    est = PoseEstimator(out)
    assert est.contract.input_dtype == "uint8" and est.contract.input_quant[0] > 0
    again = run(*args, "--out", str(out))
    assert again.returncode == 1 and "--force" in again.stderr
    not_calib = tmp_path / "not_calib"  # a folder without calibration.npz (not around --out: the output policy)
    not_calib.mkdir()
    wrong = run(
        "quantize", tiny_run["summary"]["checkpoint"], "--format", "int8", "--calib", str(not_calib), "--out", str(out), "--force"
    )
    assert wrong.returncode == 1 and "calib build" in wrong.stderr
