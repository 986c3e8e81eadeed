"""One contract from training to the phone: ``train --codec udp`` writes the codec into the
``.keras``; ``quantize`` carries it into the TFLite metadata; the gate, ``bundle`` (Kotlin test
vectors) and ``predict`` decode with it, and no codec is typed again."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import TINY_INPUT

from edgepose.errors import EdgeposeError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def udp_run(synth_set, tmp_path_factory) -> dict:
    pytest.importorskip("tensorflow")
    from edgepose.quantize import build_calibration, quantize
    from edgepose.train import TrainConfig, train

    out = tmp_path_factory.mktemp("udp_run")
    cfg = TrainConfig(model="edgehrnet-t", input_size=TINY_INPUT, epochs=1, batch_size=8, lr=3e-3, seed=2, codec="udp", sigma=1.5)
    ckpt = Path(train(synth_set["json"], synth_set["images"], out / "train", cfg)["checkpoint"])
    build_calibration(synth_set["json"], synth_set["images"], out / "calib", TINY_INPUT, n=8)
    from edgepose.quantize import load_calibration

    calib = load_calibration(out / "calib", TINY_INPUT)
    quantize(ckpt, out / "fp32.tflite", "fp32")  # a path: its training contract travels; no codec argument
    quantize(ckpt, out / "int8.tflite", "int8", calib=calib)
    return {"keras": ckpt, "fp32": out / "fp32.tflite", "int8": out / "int8.tflite", "out": out}


@pytest.mark.slow
def test_the_codec_travels_from_train_to_every_reader(udp_run, synth_set):
    from edgepose.contract import read_keras_contract
    from edgepose.engine.metadata import read_metadata
    from edgepose.estimators import load_estimator
    from edgepose.transforms import load_rgb

    trained = read_keras_contract(udp_run["keras"])
    assert (trained.codec, trained.sigma) == ("udp", 1.5)
    assert trained.to_dict()["output"]["codec"]["heatmap_to_input"] == "x_in = x_hm * (W_in - 1) / (W_hm - 1)"
    for f in ("fp32", "int8"):
        codec = read_metadata(udp_run[f])["output"]["codec"]
        assert codec["name"] == "udp" and codec["sigma"] == 1.5
    keras_est, tflite_est = load_estimator(udp_run["keras"]), load_estimator(udp_run["fp32"])
    assert type(keras_est.codec).__name__ == "UDPHeatmapCodec" and keras_est.codec.sigma == 1.5
    assert type(tflite_est.codec) is type(keras_est.codec) and tflite_est.contract.sources["codec"] == "contract"
    doc = json.loads(Path(synth_set["json"]).read_text())
    im = doc["images"][0]
    boxes = [a["bbox"] for a in doc["annotations"] if a["image_id"] == im["id"]]
    image = load_rgb(Path(synth_set["images"]) / im["file_name"])
    for a, b in zip(keras_est.predict(image, boxes), tflite_est.predict(image, boxes)):
        assert np.abs(a.keypoints - b.keypoints).max() < 0.05  # the same decode of the same heatmaps
    with pytest.raises(EdgeposeError, match="contradicts the contract train wrote"):
        load_estimator(udp_run["keras"], codec="gaussian")


@pytest.mark.slow
def test_bundle_and_predict_need_no_codec_flag(udp_run, synth_set, tmp_path):
    from edgepose.bundle.bundle import bundle

    bundle(udp_run["int8"], tmp_path / "b")  # no codec argument
    vectors = json.loads((tmp_path / "b" / "test_vectors.json").read_text())
    assert vectors["codec"] == "udp" and vectors["sigma"] == 1.5
    assert 'const val CODEC: String = "udp"' in (tmp_path / "b" / "PoseContract.kt").read_text()
    assert 'static let codec = "udp"' in (tmp_path / "b" / "PoseContract.swift").read_text()
    res = subprocess.run(
        [sys.executable, "-m", "edgepose", "predict", str(udp_run["int8"]), str(synth_set["images"]), "--coco",
         str(synth_set["json"]), "--out", str(tmp_path / "p"), "--no-draw"], capture_output=True, text=True,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert json.loads((tmp_path / "p" / "results.json").read_text())
    if shutil.which("kotlinc") and shutil.which("java"):
        jar = tmp_path / "v.jar"
        android = ROOT / "examples" / "android"
        subprocess.run(["kotlinc", str(android / "PoseDecoder.kt"), str(android / "VectorsMain.kt"), "-include-runtime",
                        "-d", str(jar)], check=True, capture_output=True, timeout=600)  # fmt: skip
        vectors_file = str(tmp_path / "b" / "test_vectors.json")
        run = subprocess.run(["java", "-jar", str(jar), vectors_file], capture_output=True, text=True)
        assert run.returncode == 0 and "PASS" in run.stdout, run.stdout + run.stderr


@pytest.mark.slow
def test_export_onnx_and_convert_carry_the_contract(udp_run, tmp_path):
    """export-onnx writes the training contract into ONNX metadata_props; convert reads it back into the
    TFLite metadata, so an ONNX round trip needs no codec flag either (and refuses a contradicting one)."""
    pytest.importorskip("onnx2tf")
    import onnx

    from converters.keras_onnx import export_onnx, stated_contract
    from converters.onnx_tflite import convert_onnx
    from edgepose.engine.metadata import read_metadata

    export_onnx(udp_run["keras"], tmp_path / "m.onnx")
    exported, described = stated_contract(onnx.load(str(tmp_path / "m.onnx")), "m.onnx")
    assert (exported.codec, exported.sigma, described["normalization"]) == ("udp", 1.5, "raw")
    convert_onnx(tmp_path / "m.onnx", tmp_path / "m.tflite", "fp32", layout="nhwc", mean=(0, 0, 0), std=(1 / 255,) * 3)
    codec = read_metadata(tmp_path / "m.tflite")["output"]["codec"]
    assert codec["name"] == "udp" and codec["sigma"] == 1.5
    with pytest.raises(EdgeposeError, match="contradicts the model's contract"):
        convert_onnx(tmp_path / "m.onnx", tmp_path / "n.tflite", "fp32", layout="nhwc", codec="msra")
