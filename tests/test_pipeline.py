import json

import pytest

pytestmark = pytest.mark.slow


def test_tiny_pipeline_end_to_end(tmp_path):
    pytest.importorskip("tensorflow")
    pytest.importorskip("pycocotools")
    from edgepose.pipeline import PipelineConfig, pipeline

    cfg = PipelineConfig(input_size=(64, 64), n_train=24, n_val=4, epochs=1, batch_size=8, calib_size=8, bench_runs=5)
    report = pipeline(tmp_path / "run", cfg)
    out = tmp_path / "run"
    for name in (
        "report.json",
        "report.md",
        "predictions_int8.png",
        "models/model_int8.tflite",
        "models/model_fp32.tflite",
        "train/last.keras",
    ):
        assert (out / name).is_file(), name
    on_disk = json.loads((out / "report.json").read_text())
    assert on_disk["accuracy"] == report["accuracy"]
    for name in ("fp32", "int8"):
        assert 0.0 <= report["accuracy"][name]["AP"] <= 1.0
        assert report["latency"][name]["median_ms"] > 0
    assert report["models"]["int8"]["inputs"][0]["dtype"] == "int8"
    assert "| int8 |" in (out / "report.md").read_text()
