"""Bundled models: the contract embedded in the .tflite, read back by the runtime."""

import json

import numpy as np
import pytest

from edgepose.errors import EdgeposeError

pytestmark = pytest.mark.slow


def test_bundle_round_trip_and_same_keypoints(tiny_run, tmp_path):
    from edgepose.bundle.bundle import bundle, inspect_bundle
    from edgepose.runtime import PoseEstimator

    res = bundle(tiny_run["int8"], tmp_path / "b", version="0.1")
    bundled = tmp_path / "b" / tiny_run["int8"].name
    contract = inspect_bundle(bundled)
    assert contract["input"]["size_hw"] == [64, 64] and contract["output"]["kind"] == "heatmaps"
    assert len(contract["keypoints"]) == 17 and contract["version"] == "0.1"
    assert 0 < res["overhead_bytes"] < 4096
    assert json.loads((tmp_path / "b/contract.json").read_text()) == contract
    image = np.random.default_rng(0).integers(0, 256, (120, 90, 3), dtype=np.uint8)
    a = PoseEstimator(bundled).predict(image)[0]
    b = PoseEstimator(tiny_run["int8"], contract=contract).predict(image)[0]
    np.testing.assert_array_equal(a.keypoints, b.keypoints)
    from edgepose.contract import parse_contract

    assert PoseEstimator(bundled).metadata == parse_contract(contract, "contract.json")
    # the original is untouched and has no contract
    with pytest.raises(EdgeposeError, match="carries no edgepose contract"):
        inspect_bundle(tiny_run["int8"])


def test_broken_or_contradicting_contracts_are_clear_errors(tiny_run, tmp_path):
    from edgepose.bundle.bundle import bundle
    from edgepose.engine.metadata import read_metadata
    from edgepose.runtime import PoseEstimator

    bundle(tiny_run["int8"], tmp_path / "b")
    path = tmp_path / "b" / tiny_run["int8"].name
    data = bytearray(path.read_bytes())
    at = data.find(b'"format"')
    data[at] = ord("{")  # JSON no longer parses
    broken = tmp_path / "broken.tflite"
    broken.write_bytes(bytes(data))
    with pytest.raises(EdgeposeError, match="not valid JSON"):
        read_metadata(broken)
    wrong = json.loads((tmp_path / "b/contract.json").read_text())
    wrong["input"]["size_hw"] = [256, 192]
    with pytest.raises(EdgeposeError, match="contract says input 256x192"):
        PoseEstimator(tiny_run["int8"], contract=wrong)


def test_mobile_decode_spec_equals_the_runtime_decode(tiny_run, tmp_path):
    """The plain-loop decode the Android/iOS examples mirror gives the runtime's keypoints, and the
    exported test vectors hold exactly those."""
    from edgepose.bundle.bundle import bundle
    from edgepose.bundle.decode_spec import decode
    from edgepose.codec import GaussianHeatmapCodec

    rng = np.random.default_rng(1)
    codec = GaussianHeatmapCodec((96, 128), (24, 32))
    for _ in range(5):
        hm = (rng.random((32, 24, 17)) ** 8).astype(np.float32)
        a, sa = codec.decode(hm)
        b, sb = decode(hm, codec.sigma, codec.stride)
        assert np.abs(a - b).max() < 1e-3 and np.abs(sa - sb).max() < 1e-6
    bundle(tiny_run["int8"], tmp_path / "b")
    vectors = json.loads((tmp_path / "b/test_vectors.json").read_text())
    assert len(vectors["cases"]) == 3
    for case in vectors["cases"]:
        q = np.asarray(case["int8_hwk_row_major"], np.float32).reshape(case["shape_hwk"])
        hm = (q - vectors["zero_point"]) * vectors["scale"]
        kps, _ = GaussianHeatmapCodec((64, 64), (16, 16)).decode(hm)
        assert np.abs(kps - np.asarray(case["expected_keypoints_xy"])).max() < vectors["tolerance_px"]


def test_bundle_inspect_prints_a_readable_summary_and_json_on_request(tiny_run, tmp_path):
    import subprocess
    import sys

    from edgepose.bundle.bundle import bundle

    bundle(tiny_run["int8"], tmp_path / "b", version="0.2")
    bundled = str(tmp_path / "b" / tiny_run["int8"].name)
    run = lambda *a: subprocess.run([sys.executable, "-m", "edgepose", "bundle", "inspect", bundled, *a],  # noqa: E731
                                    capture_output=True, text=True, env={"COLUMNS": "200", "PATH": ""})  # fmt: skip
    summary = run()
    assert summary.returncode == 0, summary.stderr
    for text in ("edgepose-contract/2", "64x64 RGB int8", "heatmaps", "17: nose, left_eye", "/ 0.2"):
        assert text in summary.stdout
    assert json.loads(run("--json").stdout)["version"] == "0.2"


def test_the_contract_names_the_codec_and_the_runtime_decodes_with_it(tiny_run, tmp_path):
    """A model trained with UDP targets, bundled with codec 'udp', decodes with UDP everywhere."""
    from edgepose.bundle.bundle import bundle, inspect_bundle
    from edgepose.codec import UDPHeatmapCodec
    from edgepose.runtime import PoseEstimator, open_pose_model

    bundle(tiny_run["int8"], tmp_path / "b", codec="udp")
    bundled = tmp_path / "b" / tiny_run["int8"].name
    contract = inspect_bundle(bundled)
    assert contract["output"]["codec"]["name"] == "udp"
    assert contract["output"]["codec"]["heatmap_to_input"] == "x_in = x_hm * (W_in - 1) / (W_hm - 1)"
    for est in (PoseEstimator(bundled), open_pose_model(bundled), PoseEstimator(tiny_run["int8"], contract=contract)):
        assert isinstance(est.codec, UDPHeatmapCodec) and est.contract.sources["codec"] == "contract"
    image = np.random.default_rng(1).integers(0, 256, (96, 80, 3), dtype=np.uint8)
    est = PoseEstimator(bundled)
    crop_kps, _ = UDPHeatmapCodec(est.contract.input_size, est.contract.heatmap_size).decode(est.heatmaps(image[:64, :64]))
    got, _ = est.codec.decode(est.heatmaps(image[:64, :64]))
    np.testing.assert_array_equal(got, crop_kps)
    with pytest.raises(EdgeposeError, match="`codec` 'gaussian' contradicts the contract"):
        PoseEstimator(bundled, codec="gaussian")


@pytest.mark.parametrize("name", ["gaussian", "udp", "msra"])
def test_mobile_decode_spec_follows_the_contracts_codec(tiny_run, tmp_path, name):
    """Per codec, the plain-loop mobile decode equals the runtime's codec, and a bundle whose
    contract names it ships test vectors decoded that way (they were Gaussian-only: 1.5 px off for msra)."""
    from edgepose.bundle.bundle import bundle
    from edgepose.bundle.decode_spec import decode
    from edgepose.codec import codec_class

    codec = codec_class(name)((96, 128), (24, 32))
    hm = (np.random.default_rng(2).random((32, 24, 17)) ** 8).astype(np.float32)
    a, _ = codec.decode(hm)
    b, _ = decode(hm, codec.sigma, codec.stride, name)
    assert np.abs(a - b).max() < 1e-3
    bundle(tiny_run["int8"], tmp_path / "b", codec=name)
    vectors = json.loads((tmp_path / "b/test_vectors.json").read_text())
    assert vectors["codec"] == name
    runtime = codec_class(name)((64, 64), (16, 16))
    for case in vectors["cases"]:
        q = np.asarray(case["int8_hwk_row_major"], np.float32).reshape(case["shape_hwk"])
        kps, _ = runtime.decode((q - vectors["zero_point"]) * vectors["scale"])
        assert np.abs(kps - np.asarray(case["expected_keypoints_xy"])).max() < vectors["tolerance_px"]
