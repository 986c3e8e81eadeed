"""``bench profile``: every op of a model cut out, fed its real inputs and timed (no timing asserts)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from edgepose.bench.profile import _single_op_model, bench_profile, profile_markdown, profile_png
from edgepose.engine.flatbuffer import read_tflite
from edgepose.errors import EdgeposeError
from edgepose.pretrained import pretrained_tflite


@pytest.fixture(scope="module")
def shipped():
    return pretrained_tflite()


def test_every_op_is_timed_and_the_shares_add_up(shipped):
    report = bench_profile(shipped, runs=3, warmup=1)
    graph = read_tflite(shipped)
    assert [r["index"] for r in report["ops"]] == list(range(len(graph.ops)))
    assert [r["op"] for r in report["ops"]] == [op.name for op in graph.ops]
    assert all(r["ms"] > 0 and not r["note"] for r in report["ops"])
    assert sum(r["share"] for r in report["ops"]) == pytest.approx(1.0)
    assert sum(e["count"] for e in report["by_op_type"]) == len(graph.ops)
    assert report["whole_model_ms"] > 0 and report["sum_of_ops_ms"] > 0
    assert {r["edgetpu"] for r in report["ops"]} == {"TPU"}  # the shipped model maps completely
    text = profile_markdown(report, top=3)
    assert "| # | op | shape | ms | % of total | Edge TPU |" in text and "top 3 ops:" in text
    assert profile_png(report).startswith(b"\x89PNG")


@pytest.mark.filterwarnings("ignore:Warning. Enabling .experimental_preserve_all_tensors.")
def test_a_cut_out_op_computes_what_it_computed_inside_the_model(shipped):
    from ai_edge_litert import schema_py_generated as schema
    from ai_edge_litert.interpreter import Interpreter

    full = Interpreter(model_path=str(shipped), experimental_preserve_all_tensors=True)
    full.allocate_tensors()
    inp = full.get_input_details()[0]
    full.set_tensor(inp["index"], np.random.default_rng(0).integers(-128, 128, inp["shape"], dtype=np.int8))
    full.invoke()
    model_t = schema.ModelT.InitFromPackedBuf(shipped.read_bytes(), 0)
    graph = read_tflite(shipped)
    for index in (2, 5, 40, len(graph.ops) - 1):  # convolutions, an add, the head
        blob, inputs, outputs = _single_op_model(model_t, index)
        one = Interpreter(model_content=blob)
        one.allocate_tensors()
        for d, old in zip(one.get_input_details(), inputs):
            one.set_tensor(d["index"], full.get_tensor(old))
        one.invoke()
        got = one.get_tensor(one.get_output_details()[0]["index"])
        np.testing.assert_array_equal(got, full.get_tensor(outputs[0]))


def test_bad_inputs_get_one_clear_error(tmp_path, shipped):
    with pytest.raises(EdgeposeError, match="not found"):
        bench_profile(tmp_path / "missing.tflite")
    with pytest.raises(EdgeposeError, match="reads .tflite models"):
        bench_profile(tmp_path / "model.onnx")
    with pytest.raises(EdgeposeError, match="runs"):
        bench_profile(shipped, runs=0)


def test_cli_writes_table_json_and_png_and_keeps_an_existing_folder(tmp_path, shipped):
    out = tmp_path / "profile"
    cmd = [sys.executable, "-m", "edgepose", "bench", "profile", str(shipped), "--runs", "2", "--warmup", "0", "--out", str(out)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "whole model:" in res.stdout and "top 10 ops:" in res.stdout
    assert {p.name for p in out.iterdir()} >= {"profile.json", "profile.md", "profile.png"}
    again = subprocess.run(cmd, capture_output=True, text=True)
    assert again.returncode != 0 and "--force" in again.stderr and len(again.stderr.strip().splitlines()) == 1
