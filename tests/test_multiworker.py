"""The distributed path, proven with real processes: two ``edgepose train --strategy multiworker``
workers on 127.0.0.1 (TF_CONFIG) finish with identical weights, and a killed worker makes the
other one stop with one line instead of hanging."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def _workers(tmp_path: Path, data: Path, epochs: int, epoch_size: int) -> list[subprocess.Popen]:
    ports = _free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    procs = []
    for i in range(2):
        env = {**os.environ, "TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}})}
        cmd = [sys.executable, "-m", "edgepose", "train", str(data / "person_keypoints.json"), "--images", str(data / "images"),
               "--strategy", "multiworker", "--epochs", str(epochs), "--epoch-size", str(epoch_size), "--batch", "8",
               "--out", str(tmp_path / f"worker{i}")]  # fmt: skip
        procs.append(subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    return procs


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    out = tmp_path_factory.mktemp("mw") / "data"
    r = subprocess.run([sys.executable, "-m", "edgepose", "data", "synth", "--out", str(out), "-n", "12"], capture_output=True)
    assert r.returncode == 0, r.stderr
    return out


def test_two_workers_finish_with_the_same_weights(tmp_path, tiny_data):
    from edgepose.train import load_model

    procs = _workers(tmp_path, tiny_data, epochs=2, epoch_size=32)
    outs = [p.communicate(timeout=900) for p in procs]
    for p, (_, err) in zip(procs, outs):
        assert p.returncode == 0, err
    logs = [json.loads((tmp_path / f"worker{i}" / "train_log.json").read_text()) for i in range(2)]
    assert [h["epoch"] for h in logs[0]["history"]] == [1, 2]
    assert [h["loss"] for h in logs[0]["history"]] == [h["loss"] for h in logs[1]["history"]]
    a, b = (load_model(tmp_path / f"worker{i}" / "last.keras") for i in range(2))
    # trainable weights are all-reduced every step; BatchNorm statistics are averaged each epoch
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


def test_a_killed_worker_stops_the_other_with_one_line(tmp_path, tiny_data):
    procs = _workers(tmp_path, tiny_data, epochs=50, epoch_size=32)
    log = tmp_path / "worker1" / "train_log.json"
    deadline = time.time() + 600
    while not log.is_file() and time.time() < deadline and procs[1].poll() is None:
        time.sleep(1)  # wait until training is under way (one epoch done)
    assert log.is_file(), procs[1].communicate()[1]
    procs[1].send_signal(signal.SIGKILL)
    procs[1].wait()
    start = time.time()
    _, err = procs[0].communicate(timeout=300)  # a hang fails here
    lines = [ln for ln in err.replace("\r", "\n").splitlines() if ln.strip()]
    assert procs[0].returncode == 1, err
    assert len(lines) == 1 and "multi-worker training stopped" in lines[0] and "Traceback" not in err, err
    assert "task:1" in lines[0] and "--resume" in lines[0]
    assert time.time() - start < 300
