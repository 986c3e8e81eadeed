"""The Edge TPU predictor follows Coral's documented table on models built for one rule each
(``tests/edgetpu_cases.py``); the published compiler pairs are in ``test_edgetpu.py``."""

from __future__ import annotations

import pytest
from edgetpu_cases import CASES, build_case, single_op_model

from edgepose.edgetpu import edgetpu_check
from edgepose.edgetpu.check import TABLE

WRITTEN = [c for c in CASES if c.writer is not None]
CONVERTED = [c for c in CASES if c.writer is None]


def _verdicts(path, case):
    report = edgetpu_check(path, case.runtime)
    got: dict[str, bool] = {}
    for o in report["ops"]:
        if o["op"] in case.expect:
            got.setdefault(o["op"], o["on_tpu"])
    return got, report


@pytest.mark.parametrize("case", WRITTEN, ids=[c.name for c in WRITTEN])
def test_schema_written_models_follow_the_table(case, tmp_path):
    got, report = _verdicts(build_case(case, tmp_path), case)
    assert got == case.expect, report["ops"]


@pytest.mark.slow
@pytest.mark.parametrize("case", CONVERTED, ids=[c.name for c in CONVERTED])
def test_converted_models_follow_the_table(case, tmp_path):
    pytest.importorskip("tensorflow")
    got, report = _verdicts(build_case(case, tmp_path), case)
    assert got == case.expect, report["ops"]
    for o in report["ops"]:  # every refusal names the rule it applies
        assert o["on_tpu"] or o["reason"].startswith("["), o


def test_concatenation_with_a_nonzero_constant_input_stays_on_the_cpu(tmp_path):
    act = ((1, 4, 4, 8), "INT8", "input")
    path = single_op_model(tmp_path / "c.tflite", "CONCATENATION", [act, ((1, 4, 4, 8), "INT8", "const")],
                           [((1, 4, 4, 16), "INT8")])  # fmt: skip
    (verdict,) = edgetpu_check(path)["ops"]
    assert not verdict["on_tpu"] and "all zeroes" in verdict["reason"]
    zeros = single_op_model(tmp_path / "z.tflite", "CONCATENATION", [act, ((1, 4, 4, 8), "INT8", "const")],
                            [((1, 4, 4, 16), "INT8")], const_fill=0)  # fmt: skip
    assert edgetpu_check(zeros)["ops"][0]["on_tpu"]
    three = single_op_model(tmp_path / "t.tflite", "CONCATENATION", [act, act, ((1, 4, 4, 8), "INT8", "const")],
                            [((1, 4, 4, 24), "INT8")], const_fill=0)  # fmt: skip
    assert "exactly 2 inputs" in edgetpu_check(three)["ops"][0]["reason"]


def test_ops_outside_the_table_and_float_tensors_are_refused_with_the_rule(tmp_path):
    gather = single_op_model(tmp_path / "g.tflite", "GATHER", [((1, 8, 4), "INT8", "input"), ((2,), "INT32", "const")],
                             [((1, 2, 4), "INT8")])  # fmt: skip
    assert edgetpu_check(gather)["ops"][0]["reason"] == "[table] GATHER is not a supported operation"
    batch = single_op_model(tmp_path / "b.tflite", "ADD", [((2, 4, 4, 8), "INT8", "input"), ((2, 4, 4, 8), "INT8", "input")],
                            [((2, 4, 4, 8), "INT8")])  # fmt: skip
    assert "3 innermost" in edgetpu_check(batch)["ops"][0]["reason"]


def test_every_rule_row_names_a_table_entry_and_a_runtime():
    assert {"UNIDIRECTIONAL_SEQUENCE_LSTM", "TILE", "RESIZE_BILINEAR", "TRANSPOSE"} <= set(TABLE)
    assert "HARD_SWISH" not in TABLE and "GATHER" not in TABLE  # not in the documented table
    assert all(rule.since in (0, 13, 14) and rule.table_name for rule in TABLE.values())
