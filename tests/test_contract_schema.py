"""The contract's one schema and its one strict parser (edgepose.contract): round trips through every
carrier, the legacy formats, and each damaged field as one EdgeposeError naming it."""

from __future__ import annotations

import json
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgepose.codecs import CODECS
from edgepose.contract import (
    CONTRACT_FORMAT,
    Contract,
    TensorFacts,
    contract_from_json,
    contract_json,
    onnx_metadata,
    parse_contract,
    read_keras_contract,
    read_onnx_contract,
    write_keras_contract,
)
from edgepose.errors import EdgeposeError

contracts = st.builds(
    Contract,
    input_hw=st.tuples(st.integers(8, 512), st.integers(8, 512)),
    codec=st.sampled_from(sorted(CODECS)),
    sigma=st.floats(0.25, 8.0),
    refine=st.sampled_from(["dark", "quarter", "none"]),
    model=st.text(max_size=12),
    normalization=st.one_of(
        st.none(),
        st.builds(
            lambda s, m, d: {"pixel_scale": s, "mean": m, "std": d},
            st.floats(1e-3, 1.0),
            st.tuples(*[st.floats(-1, 1)] * 3),
            st.tuples(*[st.floats(0.01, 2)] * 3),
        ),
    ),
    qat=st.booleans(),
    lowering=st.sampled_from(["", "cpu", "edgetpu"]),
)


@settings(max_examples=60, deadline=None)
@given(contracts)
def test_every_contract_survives_the_json_carrier(contract):
    parsed, stored = contract_from_json(contract_json(contract), "test")
    assert parsed == contract
    assert stored["format"] == CONTRACT_FORMAT


def test_the_keras_carrier_round_trips_and_refuses_a_second_contract(tmp_path):
    path = tmp_path / "m.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", "{}")
    assert read_keras_contract(path) is None  # a file without a contract says so, nothing is invented
    contract = Contract(input_hw=(128, 96), codec="udp", sigma=1.5, qat=True)
    write_keras_contract(path, contract)
    assert read_keras_contract(path) == contract
    with pytest.raises(EdgeposeError, match="already carries a contract"):
        write_keras_contract(path, contract)


def test_the_onnx_carrier_round_trips_with_its_input_description():
    contract = Contract(input_hw=(256, 192), codec="msra", sigma=2.0, lowering="cpu", weights_from="PP-TinyPose")
    props = onnx_metadata(contract, {"layout": "nhwc", "normalization": "raw"})
    got, described = read_onnx_contract(props, "m.onnx")
    assert got == contract and described["normalization"] == "raw"
    assert read_onnx_contract({}, "m.onnx") == (None, None)


def test_tensor_facts_are_added_for_tflite_and_ignored_by_the_parser():
    contract = Contract(input_hw=(128, 96), codec="gaussian", sigma=2.0)
    facts = TensorFacts((128, 96), "int8", (1.0, -128), (32, 24), "int8", (0.0039, -128))
    d = contract.to_dict(facts)
    assert d["output"]["size_hw"] == [32, 24] and d["output"]["stride"] == 4.0
    assert d["input"]["quantization"] == {"scale": 1.0, "zero_point": -128}
    assert parse_contract(d, "m.tflite") == contract


LEGACY_TRAIN = {
    "format": "edgepose-train-contract/1",
    "model": "edgehrnet-m",
    "codec": {"name": "udp", "sigma": 1.5, "heatmap_to_input": "x = ..."},
    "input": {"size_hw": [128, 96], "pixels": "RGB 0..255 (normalisation inside the model)"},
    "keypoints": ["a", "b", "c"],
    "flip_pairs": [[1, 2]],
    "qat": True,
    "lowering": "cpu",
}


def test_the_first_train_format_is_still_read():
    c = parse_contract(LEGACY_TRAIN, "old.keras")
    assert (c.codec, c.sigma, c.input_hw, c.qat, c.lowering) == ("udp", 1.5, (128, 96), True, "cpu")
    assert c.keypoints == ("a", "b", "c") and c.flip_pairs == ((1, 2),)


def _v2(**patch):
    d = Contract(input_hw=(128, 96), codec="udp", sigma=1.5).to_dict()
    for dotted, value in patch.items():
        node = d
        *parents, leaf = dotted.split(".")
        for p in parents:
            node = node[p]
        if value is KeyError:
            del node[leaf]
        else:
            node[leaf] = value
    return d


DAMAGED = {
    "negative sigma": (_v2(**{"output.codec.sigma": -1.0}), '"output.codec.sigma" must be > 0'),
    "sigma not a number": (_v2(**{"output.codec.sigma": "abc"}), '"output.codec.sigma" must be a finite number'),
    "sigma missing": (_v2(**{"output.codec.sigma": KeyError}), 'no "output.codec.sigma"'),
    "codec as a string": (_v2(**{"output.codec": "udp"}), '"output.codec" must be an object'),
    "unknown codec": (_v2(**{"output.codec.name": "nosuch"}), '"output.codec.name": unknown codec'),
    "truncated (no output)": (_v2(output=KeyError), '"output" must be an object'),
    "no codec": (_v2(**{"output.codec": KeyError}), 'no "output.codec"'),
    "unknown format": (_v2(format="edgepose-contract/9"), '"format"'),
    "size not two ints": (_v2(**{"input.size_hw": [128]}), '"input.size_hw"'),
    "layout": (_v2(**{"input.layout": "HWCN"}), '"input.layout"'),
    "negative std": (_v2(**{"input.normalization": {"mean": [0, 0, 0], "std": [1, -1, 1]}}), '"input.normalization.std"'),
    "flip pair out of range": (_v2(flip_pairs=[[1, 40]]), '"flip_pairs" entry'),
    "qat not a bool": (_v2(**{"training.qat": "yes"}), '"training.qat"'),
    "unknown refinement": (_v2(**{"output.codec.refine": "magic"}), '"output.codec.refine"'),
}


@pytest.mark.parametrize("case", list(DAMAGED))
def test_each_damaged_field_is_one_line_naming_it(case):
    raw, field = DAMAGED[case]
    with pytest.raises(EdgeposeError) as info:
        parse_contract(json.loads(json.dumps(raw)), "m.tflite")
    message = str(info.value)
    assert "\n" not in message and message.startswith("m.tflite: damaged contract:")
    assert field in message, message
    from edgepose.cli.common import flagged

    assert flagged(message) == message  # a field name never reads as a flag ("format" is not --format)


def test_a_contract_built_in_code_gets_the_same_checks():
    with pytest.raises(EdgeposeError, match='"codec.sigma" must be > 0'):
        Contract(input_hw=(128, 96), codec="udp", sigma=-1.0)
    with pytest.raises(EdgeposeError, match='"codec.name": unknown codec'):
        Contract(input_hw=(128, 96), codec="nosuch", sigma=2.0)
