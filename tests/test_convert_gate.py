"""`convert` goes through the same gated int8 workflow as `quantize`: the shipped .keras, exported to
ONNX and converted, scores within 0.02 AP of quantize's int8 of the same .keras, and a bad conversion
is refused with exit status 3, nothing written and the gate's report (and the per-layer error report)
left beside the output.
Real people (../shared/data/coco_train, 36 photos): skipped where the shared data is absent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("EDGEPOSE_SHARED", REPO.parent / "shared"))
PEOPLE = SHARED / "data" / "coco_train"
MODEL = REPO / "edgepose" / "pretrained" / "edgehrnet-m_coco17.keras"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (PEOPLE / "person_keypoints.json").is_file(), reason=f"shared data not found at {PEOPLE}"),
]


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TF_ENABLE_ONEDNN_OPTS": "0"}
    return subprocess.run([sys.executable, "-m", "edgepose", *args], capture_output=True, text=True, env=env, timeout=900)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    pytest.importorskip("onnx2tf")
    pytest.importorskip("tf2onnx")
    pytest.importorskip("pycocotools")
    from edgepose.quantize import build_calibration
    from edgepose.train import load_model

    work = tmp_path_factory.mktemp("convert_gate")
    _, h, w, _ = load_model(MODEL).input_shape
    build_calibration(PEOPLE / "person_keypoints.json", PEOPLE / "images", work / "calib", (w, h), n=64)
    res = _cli("export-onnx", str(MODEL), "--out", str(work / "m.onnx"))
    assert res.returncode == 0, res.stderr[-2000:]
    return work


def test_keras_onnx_int8_scores_like_quantize_of_the_same_keras(exported):
    gate = ["--val", str(PEOPLE / "person_keypoints.json"), "--val-images", str(PEOPLE / "images"), "--max-ap-drop", "0.05"]
    calib = ["--calib", str(exported / "calib")]
    conv = _cli("convert", str(exported / "m.onnx"), "--out", str(exported / "conv.tflite"), *calib, *gate)
    assert conv.returncode == 0, conv.stderr[-2000:]
    assert "input: raw normalisation" in conv.stderr  # the exported file describes its input: nothing assumed
    quant = _cli("quantize", str(MODEL), "--out", str(exported / "quant.tflite"), *calib, *gate)
    assert quant.returncode == 0, quant.stderr[-2000:]
    a = json.loads((exported / "conv.gate.json").read_text())
    b = json.loads((exported / "quant.gate.json").read_text())
    assert a["reference"]["AP"] == pytest.approx(b["reference"]["AP"], abs=0.005)  # the ONNX file is the .keras
    assert b["candidate"]["AP"] > 0.15  # (0.22 measured) real people, a trained model: the comparison means something
    ap = {"keras": b["reference"]["AP"], "onnx": a["reference"]["AP"]}
    ap.update({"quantize int8": b["candidate"]["AP"], "convert int8": a["candidate"]["AP"]})
    print("AP: " + ", ".join(f"{k} {v:.3f}" for k, v in ap.items()))
    assert abs(a["candidate"]["AP"] - b["candidate"]["AP"]) <= 0.02, (a["candidate"]["AP"], b["candidate"]["AP"])


def test_a_bad_int8_conversion_is_refused_with_exit_3_and_its_report(exported):
    from edgepose.quantize import load_calibration
    from edgepose.quantize.calibration import CALIB_FILE

    dark = exported / "dark"
    dark.mkdir()
    for f in (exported / "calib").iterdir():  # the same set with every crop 20x too dark
        (dark / f.name).write_bytes(f.read_bytes())
    np.savez_compressed(dark / CALIB_FILE, crops=(load_calibration(exported / "calib") // 20).astype(np.uint8))
    out = exported / "bad.tflite"
    gate = ["--val", str(PEOPLE / "person_keypoints.json"), "--val-images", str(PEOPLE / "images"), "--max-ap-drop", "0.02"]
    res = _cli("convert", str(exported / "m.onnx"), "--out", str(out), "--calib", str(dark), "--ranges", "minmax", *gate,
               "--layer-report")  # fmt: skip
    assert res.returncode == 3, res.stderr[-2000:]
    assert not out.exists()
    assert "accuracy gate failed: AP drop" in res.stderr and "gate: FAILED" in res.stdout
    report = json.loads(out.with_suffix(".gate.json").read_text())
    assert report["passed"] is False and report["ap_drop"] > 0.02
    layers = json.loads(out.with_suffix(".layers.json").read_text())  # what to look at next, kept with the refusal
    errors = [row["rmse_over_scale"] for row in layers]
    assert len(layers) > 20 and errors == sorted(errors, reverse=True) and errors[-1] > 0  # every quantized op, worst first
    assert {"op", "tensor", "scale", "rmse", "max_abs_error"} <= set(layers[0])
