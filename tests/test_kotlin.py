"""The Kotlin decoder (examples/android/PoseDecoder.kt) compiled with kotlinc and run on a JVM against
the test vectors a bundle ships: same keypoints as the Python runtime within the file's tolerance."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from edgepose.pretrained import pretrained_tflite

ROOT = Path(__file__).resolve().parents[1]
ANDROID = ROOT / "examples" / "android"
MODEL = pretrained_tflite()

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("kotlinc") is None or shutil.which("java") is None,
        reason="kotlinc/java not installed (apt-get install kotlin default-jdk-headless; .ci/run does this as root)",
    ),
]


@pytest.fixture(scope="module")
def vectors_jar(tmp_path_factory) -> Path:
    """PoseDecoder.kt + VectorsMain.kt compiled once with kotlinc into a runnable jar."""
    jar = tmp_path_factory.mktemp("kotlin") / "vectors.jar"
    build = subprocess.run(
        ["kotlinc", str(ANDROID / "PoseDecoder.kt"), str(ANDROID / "VectorsMain.kt"), "-include-runtime", "-d", str(jar)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr[-3000:]
    return jar


def test_kotlin_decoder_matches_the_test_vectors(vectors_jar, tmp_path):
    from edgepose.bundle.bundle import make_test_vectors

    vectors = tmp_path / "test_vectors.json"
    vectors.write_text(json.dumps(make_test_vectors(MODEL)))
    run = subprocess.run(["java", "-jar", str(vectors_jar), str(vectors)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "PASS" in run.stdout and run.stdout.count("case ") == 3


def test_kotlin_check_fails_on_wrong_vectors(vectors_jar, tmp_path):
    """The JVM check can fail: a shifted expectation is caught."""
    from edgepose.bundle.bundle import make_test_vectors

    data = make_test_vectors(MODEL)
    data["cases"][0]["expected_keypoints_xy"][0][0] += 1.0
    vectors = tmp_path / "test_vectors.json"
    vectors.write_text(json.dumps(data))
    run = subprocess.run(["java", "-jar", str(vectors_jar), str(vectors)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and "FAIL" in run.stdout


@pytest.mark.parametrize("codec", ["udp", "msra"])
def test_kotlin_decoder_follows_the_bundles_codec(vectors_jar, tiny_run, tmp_path, codec):
    """Vectors of a bundle whose contract names udp or msra (a model trained with it) pass in
    Kotlin; read as gaussian they fail."""
    from edgepose.bundle.bundle import bundle

    bundle(tiny_run["int8"], tmp_path / "b", codec=codec)
    vectors = tmp_path / "b" / tiny_run["int8"].name
    vectors = vectors.parent / "test_vectors.json"
    run = subprocess.run(["java", "-jar", str(vectors_jar), str(vectors)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "PASS" in run.stdout, run.stdout + run.stderr
    data = json.loads(vectors.read_text())
    data["codec"] = "gaussian"
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(data))
    run = subprocess.run(["java", "-jar", str(vectors_jar), str(wrong)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
