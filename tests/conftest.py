"""Shared fixtures: a tiny synthetic dataset and a tiny trained + converted model (session-scoped)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

TINY_INPUT = (64, 64)  # (width, height): smallest size with a 4x4 grid on the stride-16 branch


@pytest.fixture(scope="session")
def synth_set(tmp_path_factory) -> dict:
    """24 synthetic images: ``{"json": Path, "images": Path, "root": Path}``."""
    from edgepose.data.synth_writer import write_synth

    root = tmp_path_factory.mktemp("synth")
    path = write_synth(root, 24, seed=3, workers=1)
    return {"json": path, "images": root / "images", "root": root}


@pytest.fixture(scope="session")
def tiny_run(synth_set, tmp_path_factory) -> dict:
    """edgehrnet-t trained 3 short epochs at 64x64, converted to fp32 and int8 TFLite."""
    pytest.importorskip("tensorflow")
    from edgepose.quantize import build_calibration, load_calibration, quantize
    from edgepose.train import TrainConfig, load_model, train

    out = tmp_path_factory.mktemp("tiny_run")
    cfg = TrainConfig(model="edgehrnet-t", input_size=TINY_INPUT, epochs=3, batch_size=8, lr=3e-3, seed=1)
    summary = train(synth_set["json"], synth_set["images"], out / "train", cfg)
    build_calibration(synth_set["json"], synth_set["images"], out / "calib", TINY_INPUT, n=8)
    calib = load_calibration(out / "calib", TINY_INPUT)
    model = load_model(summary["checkpoint"])
    fp32 = quantize(model, out / "model_fp32.tflite", "fp32")
    int8 = quantize(model, out / "model_int8.tflite", "int8", calib=calib, io="int8", ranges="minmax")
    return {
        "summary": summary,
        "fp32": Path(fp32["path"]),
        "int8": Path(int8["path"]),
        "fp32_report": fp32,
        "int8_report": int8,
        "calib": out / "calib",
    }
