"""benchmarks/arm64/compare.py: the x86-vs-ARM check passes only when outputs and keypoints agree."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "arm64" / "compare.py"


def _side(root: Path, machine: str, outputs: np.ndarray, keypoints: np.ndarray) -> Path:
    (root / "fixture").mkdir(parents=True)
    np.savez(root / "probe.npz", outputs=outputs, machine=machine)
    results = [{"image_id": i, "category_id": 1, "keypoints": k.ravel().tolist(), "score": 0.5} for i, k in enumerate(keypoints)]
    (root / "fixture" / "results.json").write_text(json.dumps(results))
    return root


def _compare(a: Path, b: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), str(a), str(b)], capture_output=True, text=True)


def test_identical_runs_pass_and_a_flipped_value_or_moved_keypoint_fails(tmp_path):
    rng = np.random.default_rng(0)
    outputs = rng.integers(-128, 128, size=(2, 1, 8, 6, 17), dtype=np.int8)
    keypoints = np.concatenate([rng.uniform(0, 100, (3, 17, 2)), np.ones((3, 17, 1))], axis=-1)
    x86 = _side(tmp_path / "x86", "x86_64", outputs, keypoints)
    same = _compare(x86, _side(tmp_path / "arm", "aarch64", outputs.copy(), keypoints.copy()))
    assert same.returncode == 0, same.stdout
    assert "byte-identical" in same.stdout and "identical" in same.stdout

    flipped = outputs.copy()
    flipped[0, 0, 0, 0, 0] ^= 1
    moved = keypoints.copy()
    moved[1, 5, 0] += 0.5
    diff = _compare(x86, _side(tmp_path / "arm2", "aarch64", flipped, moved))
    assert diff.returncode == 1
    assert "1 values differ" in diff.stdout and "max |dxy| 5.00e-01 px" in diff.stdout
