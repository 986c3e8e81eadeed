"""Peer pose models (MoveNet, PoseNet, BlazePose) under the PoseEstimator API, predict and compare."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from edgepose.errors import EdgeposeError

PEERS = Path(os.environ.get("EDGEPOSE_SHARED_PEERS", Path(__file__).resolve().parents[1].parent / "shared" / "peers"))
pytestmark = pytest.mark.skipif(not (PEERS / "squat.jpg").is_file(), reason=f"peer models not found at {PEERS}")
MODELS = {
    "movenet": "movenet_single_pose_lightning_ptq.tflite",
    "posenet": "posenet_mobilenet_v1_075_353_481_quant.tflite",
    "blazepose": "pose_landmark_lite.tflite",
}
BODY = [5, 6, 11, 12, 13, 14, 15, 16]  # shoulders, hips, knees, ankles


def test_peers_load_by_contract_and_agree_on_the_body():
    from edgepose.runtime import open_pose_model
    from edgepose.transforms import load_rgb

    image = load_rgb(PEERS / "squat.jpg")
    h, w = image.shape[:2]
    found = {}
    for kind, name in MODELS.items():
        est = open_pose_model(PEERS / name)
        assert est.kind == kind
        pose = est.predict(image)[0]
        assert pose.keypoints.shape == (17, 2) and pose.scores.shape == (17,)
        assert ((pose.keypoints >= -1) & (pose.keypoints <= [w, h])).all()
        found[kind] = pose.keypoints[BODY]
    # three independent models, three output formats: the decoded body joints must coincide
    for a in found:
        for b in found:
            assert np.linalg.norm(found[a] - found[b], axis=1).mean() < 0.05 * h, (a, b)


def test_a_non_pose_model_gets_one_clear_error():
    from edgepose.runtime import open_pose_model

    with pytest.raises(EdgeposeError, match="not a supported pose model"):
        open_pose_model(PEERS / "pose_detection.tflite")


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "edgepose", *map(str, args)], capture_output=True, text=True)


def test_predict_cli_writes_results_and_drawing(tmp_path):
    res = _cli("predict", PEERS / MODELS["movenet"], PEERS / "squat.jpg", "--out", tmp_path / "p")
    assert res.returncode == 0, res.stderr
    results = json.loads((tmp_path / "p/results.json").read_text())
    assert len(results) == 1 and len(results[0]["keypoints"]) == 51
    assert (tmp_path / "p/images/squat.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    "args, message",
    [
        (["predict", "{tmp}/missing.tflite", "{peers}/squat.jpg", "--out", "{tmp}/o"], "not found"),
        (["predict", "{peers}/" + MODELS["movenet"], "{peers}/README.md", "--out", "{tmp}/o"], "not an image"),
        (
            [
                "predict",
                "{peers}/edgetpu_pairs/movenet_single_pose_lightning_ptq_edgetpu.tflite",
                "{peers}/squat.jpg",
                "--out",
                "{tmp}/o",
            ],
            "Edge TPU",
        ),  # fmt: skip
        (["predict", "{peers}/pose_detection.tflite", "{peers}/squat.jpg", "--out", "{tmp}/o"], "not a supported pose model"),
    ],
)
def test_predict_bad_input_is_one_line(tmp_path, args, message):
    res = _cli(*[a.format(tmp=tmp_path, peers=PEERS) for a in args])
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert res.returncode != 0 and len(lines) == 1 and message in lines[0], res.stderr


def test_compare_table_and_png(tmp_path, synth_set):
    pytest.importorskip("pycocotools")
    from edgepose.bench.compare import bench_compare, compare_markdown, compare_png

    report = bench_compare([PEERS / MODELS["movenet"], PEERS / MODELS["posenet"]], synth_set["json"], synth_set["images"],
                           threads=(1,), warmup=1, runs=3)  # fmt: skip
    assert [r["kind"] for r in report["rows"]] == ["movenet", "posenet"]
    assert all(r["latency_ms"]["1"] > 0 and 0 <= r["AP"] <= 1 for r in report["rows"])
    assert "| movenet_single_pose_lightning_ptq.tflite | movenet | litert |" in compare_markdown(report)
    assert all(r["face_AP"] is None or 0 <= r["face_AP"] <= 1 for r in report["rows"])
    assert compare_png(report)[:4] == b"\x89PNG"
