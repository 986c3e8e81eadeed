"""int8 accuracy gate, per-layer error report, float fallback layers and verification."""

import json
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow


def test_gate_compares_float_and_int8_side_by_side(tiny_run, synth_set):
    pytest.importorskip("pycocotools")
    from edgepose.quantize.gate import accuracy_gate, gate_markdown

    gate = accuracy_gate(tiny_run["summary"]["checkpoint"], tiny_run["int8"], synth_set["json"], synth_set["images"], 0.5)
    assert gate["reference"]["model"].endswith(".keras") and gate["candidate"]["model"].endswith(".tflite")
    assert gate["ap_drop"] == pytest.approx(gate["reference"]["AP"] - gate["candidate"]["AP"])
    assert gate["people"] > 0 and gate["keypoint_shift_px"] >= 0
    levels = gate["output_levels"]
    assert levels is not None and 0 < levels["peak_levels_median"] <= 255 and levels["distinct_levels"] > 1
    text = gate_markdown(gate)
    assert "| AP |" in text and "gate:" in text
    # the float model against itself: no drop, no shift, no integer output to inspect
    same = accuracy_gate(tiny_run["fp32"], tiny_run["fp32"], synth_set["json"], synth_set["images"], 0.0)
    assert same["ap_drop"] == 0.0 and same["keypoint_shift_px"] == 0.0 and same["output_levels"] is None and same["passed"]


def test_wrong_calibration_is_caught_by_the_gate(tiny_run, synth_set, tmp_path):
    """Calibrating on crops that are 20x too dark (as if normalised twice) squeezes the input
    range: real images saturate and the gate reports the drop."""
    pytest.importorskip("pycocotools")
    from edgepose.quantize import load_calibration, quantize
    from edgepose.quantize.gate import accuracy_gate
    from edgepose.train import load_model

    crops = load_calibration(tiny_run["calib"])
    dark = (crops // 20).astype(np.uint8)
    model = load_model(tiny_run["summary"]["checkpoint"])
    bad = quantize(model, tmp_path / "bad.tflite", "int8", calib=dark)
    good_gate = accuracy_gate(model, tiny_run["int8"], synth_set["json"], synth_set["images"])
    bad_gate = accuracy_gate(model, bad["path"], synth_set["json"], synth_set["images"])
    assert bad_gate["keypoint_shift_px"] > 3 * max(good_gate["keypoint_shift_px"], 0.5)
    good_err = good_gate["candidate"]["keypoint_error"]["mean_px"]
    assert bad_gate["candidate"]["keypoint_error"]["mean_px"] > good_err + 1.0
    # (this 3-epoch model scores AP ~0 either way; the AP gate itself is checked in the CLI test
    # and on the pretrained model in test_pretrained.py)


def test_layer_report_and_float_layers(tiny_run, tmp_path):
    from edgepose.errors import EdgeposeError
    from edgepose.quantize import load_calibration, quantize
    from edgepose.quantize.debug import layer_error_report, layer_report_markdown
    from edgepose.train import load_model

    crops = load_calibration(tiny_run["calib"])
    model = load_model(tiny_run["summary"]["checkpoint"])
    rows = layer_error_report(model, crops, samples=4)
    assert len(rows) > 10
    errors = [r["rmse_over_scale"] for r in rows]
    assert errors == sorted(errors, reverse=True) and all(e >= 0 for e in errors)
    assert "rmse/scale" in layer_report_markdown(rows, top=3)
    worst = rows[0]["tensor"]
    mixed = quantize(model, tmp_path / "mixed.tflite", "int8", calib=crops, float_layers=[worst])
    assert mixed["float_ops"], "the denylisted layer should run in float"
    with pytest.raises(EdgeposeError, match="no quantized layer named"):
        quantize(model, tmp_path / "x.tflite", "int8", calib=crops, float_layers=["no/such/layer"])


def test_float_model_where_int8_is_required_is_reported(tiny_run):
    from edgepose.errors import EdgeposeError
    from edgepose.quantize import verify_tflite

    with pytest.raises(EdgeposeError, match="float model"):
        verify_tflite(tiny_run["fp32"], expect="int8")
    assert verify_tflite(tiny_run["int8"], expect="int8")["float_ops"] == []


def test_quantize_cli_gate_fails_with_exit_3(tiny_run, synth_set, tmp_path, monkeypatch, capsys):
    """A candidate that loses 0.3 AP (the scores are set, so the outcome does not depend on the tiny
    model) fails the gate: exit 3, the reason with the flag, the gate report written, no model."""
    import sys

    import edgepose.quantize.gate as gate_module
    from edgepose.cli import main

    real = gate_module.evaluate
    calls = iter([0.5, 0.2])  # reference, then candidate

    def scored(results, annotations, **kwargs):
        return {**real(results, annotations, **kwargs), "AP": next(calls)}

    monkeypatch.setattr(gate_module, "evaluate", scored)
    out = tmp_path / "m.tflite"
    argv = ["edgepose", "quantize", tiny_run["summary"]["checkpoint"], "--out", str(out), "--calib", str(tiny_run["calib"]),
            "--val", str(synth_set["json"]), "--val-images", str(synth_set["images"]), "--max-ap-drop", "0.005"]  # fmt: skip
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as exit_info:
        main()
    err = capsys.readouterr().err
    assert exit_info.value.code == 3, err[-2000:]
    assert "accuracy gate failed" in err and "int16x8" in err
    assert "> --max-ap-drop 0.005" in err  # the gate's own reason, shown with the flag
    gate = json.loads(out.with_suffix(".gate.json").read_text())
    assert gate["passed"] is False and gate["max_ap_drop"] == 0.005 and gate["ap_drop"] == pytest.approx(0.3)
    assert len(gate["reasons"]) >= 1 and "`max_ap_drop`" in gate["reasons"][0]



def test_gated_quantize_is_a_library_workflow(tiny_run, synth_set, tmp_path):
    """The gate and its refusal live in the library: a failing gate (calibration 20x too dark)
    raises GateFailed carrying its report and writes nothing; a passing one returns the reports and
    the file."""
    import json

    import numpy as np
    import pytest

    from edgepose.errors import EdgeposeError, GateFailed
    from edgepose.quantize.gated import gated_quantize

    src, dark = Path(tiny_run["calib"]), tmp_path / "calib_dark"
    dark.mkdir()
    crops = np.load(src / "calibration.npz")["crops"]
    np.savez_compressed(dark / "calibration.npz", crops=(crops // 20).astype(np.uint8))
    (dark / "calibration.json").write_text(json.dumps(json.loads((src / "calibration.json").read_text())))
    keras = tiny_run["summary"]["checkpoint"]
    val = dict(val=synth_set["json"], val_images=synth_set["images"])
    with pytest.raises(GateFailed) as failed:
        gated_quantize(keras, tmp_path / "dark.tflite", "int8", calib=dark, max_ap_drop=0.005, **val)
    assert failed.value.gate["passed"] is False and not (tmp_path / "dark.tflite").exists()
    assert "another `ranges`" in str(failed.value)
    # fp16: a 3-epoch model's int8 heatmap peaks are too flat for the gate's level check
    res = gated_quantize(keras, tmp_path / "ok.tflite", "fp16", max_ap_drop=1.0, **val)
    assert res["gate"]["passed"] and (tmp_path / "ok.tflite").is_file() and res["report"]["ops"]
    with pytest.raises(EdgeposeError, match="`val` and `val_images` go together"):
        gated_quantize(keras, tmp_path / "x.tflite", "int8", calib=src, val=synth_set["json"])
