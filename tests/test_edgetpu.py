"""Offline Edge TPU mapping prediction, checked against Google's compiler output (shared/peers)."""

import json
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest

from edgepose.edgetpu import compiled_cpu_ops, edgetpu_check
from edgepose.errors import EdgeposeError

PEERS = Path(os.environ.get("EDGEPOSE_SHARED_PEERS", Path(__file__).resolve().parents[1].parent / "shared" / "peers"))
PAIRS = PEERS / "edgetpu_pairs" / "pairs.json"
needs_pairs = pytest.mark.skipif(not PAIRS.is_file(), reason=f"Edge TPU pairs not found at {PAIRS} (set EDGEPOSE_SHARED_PEERS)")


def _pairs():
    if not PAIRS.is_file():
        return []
    return [p["name"] for p in json.loads(PAIRS.read_text())["pairs"]]


@needs_pairs
@pytest.mark.parametrize("name", _pairs() or ["none"])
def test_predicted_cpu_ops_equal_the_real_compilers(name):
    folder = PEERS / "edgetpu_pairs"
    predicted = edgetpu_check(folder / f"{name}.tflite")
    truth = compiled_cpu_ops(folder / f"{name}_edgetpu.tflite")
    assert predicted["cpu_ops"] == truth  # same ops, same order
    assert Counter(predicted["cpu_ops"]) == Counter(truth)
    assert predicted["segments"] == 1
    compiled = edgetpu_check(folder / f"{name}_edgetpu.tflite")
    assert compiled["compiled"] and not compiled["fully_mapped"]


def test_edge_tpu_clean_model_maps_completely_in_one_partition(tiny_run):
    report = edgetpu_check(tiny_run["int8"])
    assert report["fully_mapped"] and report["segments"] == 1 and report["cut"] is None
    assert report["op_share"] == 1.0 and report["mac_share"] == 1.0 and report["macs_total"] > 0


def test_float_truncated_and_foreign_files_get_one_clear_error(tiny_run, tmp_path):
    with pytest.raises(EdgeposeError, match="float model"):
        edgetpu_check(tiny_run["fp32"])
    truncated = tmp_path / "cut.tflite"
    truncated.write_bytes(tiny_run["int8"].read_bytes()[:2000])
    with pytest.raises(EdgeposeError, match="truncated or corrupt"):
        edgetpu_check(truncated)
    foreign = tmp_path / "photo.tflite"
    foreign.write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 100)
    with pytest.raises(EdgeposeError, match="not a TFLite model"):
        edgetpu_check(foreign)
    with pytest.raises(EdgeposeError, match="not found"):
        edgetpu_check(tmp_path / "missing.tflite")


def test_compiled_model_without_libedgetpu_is_one_clear_error(tiny_run, tmp_path):
    from edgepose.runtime import PoseEstimator

    compiled = tmp_path / "model_edgetpu.tflite"
    shutil.copyfile(tiny_run["int8"], compiled)
    if shutil.which("edgetpu_compiler") is None:
        with pytest.raises(EdgeposeError, match="libedgetpu"):
            PoseEstimator(compiled)


def test_cli_check_prints_the_table_and_compile_explains_a_missing_compiler(tiny_run):
    import subprocess
    import sys

    res = subprocess.run([sys.executable, "-m", "edgepose", "edgetpu", "check", str(tiny_run["int8"]), "--all"],
                         capture_output=True, text=True)  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "| CONV_2D |" in res.stdout and "100.0 %" in res.stdout and "partitions: 1" in res.stdout
    if shutil.which("edgetpu_compiler") is None:
        res = subprocess.run([sys.executable, "-m", "edgepose", "edgetpu", "compile", str(tiny_run["int8"])],
                             capture_output=True, text=True)  # fmt: skip
        assert res.returncode == 1 and len(res.stderr.strip().splitlines()) == 1 and "not on PATH" in res.stderr
