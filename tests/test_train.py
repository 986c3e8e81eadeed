"""Training checkpoints and --resume."""

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


class _KillAtEpoch:
    """A reporter that interrupts training at the first step of ``epoch`` (like a killed job)."""

    def __init__(self, epoch: int):
        self.epoch = epoch

    def start(self, task, total=None):
        pass

    def advance(self, n=1, **info):
        if info.get("epoch") == self.epoch:
            raise KeyboardInterrupt

    def finish(self, message=""):
        pass


def test_resume_continues_where_a_killed_run_stopped(synth_set, tmp_path):
    pytest.importorskip("tensorflow")
    from edgepose.errors import EdgeposeError
    from edgepose.train import TrainConfig, train

    cfg = TrainConfig(model="edgehrnet-t", input_size=(64, 64), epochs=3, batch_size=8, seed=4)
    with pytest.raises(KeyboardInterrupt):
        train(synth_set["json"], synth_set["images"], tmp_path / "run", cfg, reporter=_KillAtEpoch(3))
    log = json.loads((tmp_path / "run/train_log.json").read_text())
    assert [h["epoch"] for h in log["history"]] == [1, 2]
    resumed = train(synth_set["json"], synth_set["images"], tmp_path / "run", cfg, resume=True)
    steps_per_epoch = log["steps"] // 2
    assert [h["epoch"] for h in resumed["history"]] == [1, 2, 3]
    assert resumed["history"][:2] == log["history"]
    assert resumed["steps"] == 3 * steps_per_epoch  # optimizer (and schedule) continued, not restarted
    with pytest.raises(EdgeposeError, match="different settings"):
        train(synth_set["json"], synth_set["images"], tmp_path / "run", TrainConfig(**{**cfg.__dict__, "lr": 1.0}), resume=True)


def test_mixed_datasets_validation_best_checkpoint_and_tensorboard(synth_set, tmp_path):
    pytest.importorskip("tensorflow")
    pytest.importorskip("pycocotools")
    from edgepose.data.sources import DatasetSource
    from edgepose.train import TrainConfig, train

    # a second source that has no face keypoints: they must be masked, not learned as background
    coco = json.loads(synth_set["json"].read_text())
    coco["info"]["available_keypoints"] = list(range(5, 17))
    for ann in coco["annotations"]:
        ann["keypoints"][:15] = [0] * 15
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps(coco))
    cfg = TrainConfig(model="edgehrnet-t", input_size=(64, 64), epochs=2, batch_size=8, seed=2)
    summary = train(
        synth_set["json"], synth_set["images"], tmp_path / "run", cfg,
        extra_datasets=[DatasetSource(partial, synth_set["images"], 0.5)],
        validation=(synth_set["json"], synth_set["images"]),
    )  # fmt: skip
    assert all("val" in h and 0.0 <= h["val"]["AP"] <= 1.0 for h in summary["history"])
    assert (tmp_path / "run/best.keras").is_file() and (tmp_path / "run/last.keras").is_file()
    from edgepose.train import _has_tensorboard

    assert not _has_tensorboard() or any((tmp_path / "run/tb").iterdir())
    assert (tmp_path / "run/curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    saved = json.loads((tmp_path / "run/train_config.json").read_text())
    assert len(saved["datasets"]) == 2 and saved["datasets"][1].endswith(":0.5")


def test_mirrored_strategy_on_two_logical_cpus(synth_set, tmp_path):
    """tf.distribute.MirroredStrategy over two logical CPU devices (a fresh process: the device
    split must happen before TensorFlow starts)."""
    pytest.importorskip("tensorflow")
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent(
        f"""
        import json
        from edgepose.train import TrainConfig, train
        cfg = TrainConfig(model="edgehrnet-t", input_size=(64, 64), epochs=2, batch_size=8, strategy="mirrored", cpu_replicas=2)
        s = train({str(synth_set["json"])!r}, {str(synth_set["images"])!r}, {str(tmp_path / "run")!r}, cfg)
        import tensorflow as tf
        print(json.dumps({{"devices": len(tf.config.list_logical_devices("CPU")), "losses": [h["loss"] for h in s["history"]]}}))
        """
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["devices"] == 2
    assert len(out["losses"]) == 2 and all(0 < v < 10 for v in out["losses"])
    assert (tmp_path / "run/last.keras").is_file()


def test_a_run_killed_between_its_first_log_and_its_first_state_resumes_from_the_start(synth_set, tmp_path):
    """The log is written before the state, so a kill between the two leaves train_log.json and no
    state/ (CI hit it: SIGKILL right after the first log); ``resume`` then redoes epoch 1."""
    pytest.importorskip("tensorflow")
    import shutil

    from edgepose.train import TrainConfig, train

    cfg = TrainConfig(model="edgehrnet-t", input_size=(64, 64), epochs=1, batch_size=8, seed=4)
    first = train(synth_set["json"], synth_set["images"], tmp_path / "run", cfg)
    shutil.rmtree(tmp_path / "run/state")
    again = train(synth_set["json"], synth_set["images"], tmp_path / "run", cfg, resume=True)
    assert [h["epoch"] for h in again["history"]] == [1]
    assert again["steps"] == first["steps"] and again["loss"] == pytest.approx(first["loss"], rel=1e-4)


def test_kill_9_then_resume_ends_like_the_uninterrupted_run(synth_set, tmp_path):
    """The CLI run is killed with SIGKILL after its first epoch; ``--resume`` must finish with
    the same losses and validation AP as the same run left alone."""
    pytest.importorskip("tensorflow")
    pytest.importorskip("pycocotools")
    import os
    import signal
    import subprocess
    import sys
    import time

    base = [
        sys.executable, "-m", "edgepose", "train", str(synth_set["json"]), "--images", str(synth_set["images"]),
        "--input", "64x64", "--epochs", "4", "--batch", "8", "--seed", "5", "--ohkm", "8",
        "--val", str(synth_set["json"]), "--val-images", str(synth_set["images"]),
    ]  # fmt: skip
    env = {**os.environ, "TF_ENABLE_ONEDNN_OPTS": "0"}
    full = subprocess.run([*base, "--out", str(tmp_path / "full")], capture_output=True, text=True, env=env, timeout=600)
    assert full.returncode == 0, full.stderr[-2000:]

    killed_dir = tmp_path / "killed"
    proc = subprocess.Popen([*base, "--out", str(killed_dir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    log = killed_dir / "train_log.json"
    deadline = time.time() + 300
    while not log.is_file() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    epochs_before = [h["epoch"] for h in json.loads(log.read_text())["history"]]
    assert proc.returncode == -signal.SIGKILL and epochs_before and epochs_before[-1] < 4

    res = subprocess.run([*base, "--out", str(killed_dir), "--resume"], capture_output=True, text=True, env=env, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    a = json.loads((tmp_path / "full/train_log.json").read_text())["history"]
    b = json.loads(log.read_text())["history"]
    assert [h["epoch"] for h in b] == [1, 2, 3, 4]
    for x, y in zip(a, b):
        assert x["loss"] == pytest.approx(y["loss"], rel=1e-4)
        assert x["val"]["AP"] == pytest.approx(y["val"]["AP"], abs=1e-3)


def test_ohkm_loss_keeps_each_persons_hardest_keypoints():
    tf = pytest.importorskip("tensorflow")
    import numpy as np

    from edgepose.train import heatmap_loss

    rng = np.random.default_rng(0)
    pred = rng.uniform(0, 1, (2, 8, 6, 17)).astype(np.float32)
    target = np.zeros_like(pred)
    weights = np.ones((2, 17), np.float32)
    weights[0, :5] = 0.0  # absent face keypoints: never mined
    per_kp = (pred**2).mean(axis=(1, 2)) * weights
    plain = float(heatmap_loss(tf.constant(pred), tf.constant(target), tf.constant(weights)))
    assert plain == pytest.approx(per_kp.mean(), rel=1e-5)
    mined = float(heatmap_loss(tf.constant(pred), tf.constant(target), tf.constant(weights), ohkm_topk=4))
    assert mined == pytest.approx(np.sort(per_kp, axis=1)[:, -4:].mean(), rel=1e-5)
    assert mined > plain
    everything = float(heatmap_loss(tf.constant(pred), tf.constant(target), tf.constant(weights), ohkm_topk=17))
    assert everything == pytest.approx(plain, rel=1e-5)


def test_init_copies_weights_and_refuses_another_architecture(tiny_run):
    pytest.importorskip("tensorflow")
    import numpy as np

    from edgepose.errors import EdgeposeError
    from edgepose.models import create_model
    from edgepose.train import init_weights, load_model

    trained = load_model(tiny_run["summary"]["checkpoint"])
    fresh = create_model("edgehrnet-t", (96, 128))  # another input size: the weights still fit
    init_weights(fresh, tiny_run["summary"]["checkpoint"])
    for a, b in zip(fresh.weights, trained.weights):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    with pytest.raises(EdgeposeError, match="cannot initialise"):
        init_weights(create_model("edgehrnet-s", (64, 64)), tiny_run["summary"]["checkpoint"])


def test_a_lost_worker_is_named_even_when_grpc_does_not_say_which(monkeypatch, tmp_path):
    import json

    from edgepose.train import _worker_failure

    cluster = {"cluster": {"worker": ["localhost:1", "localhost:2", "localhost:3"]}, "task": {"type": "worker", "index": 0}}
    monkeypatch.setenv("TF_CONFIG", json.dumps(cluster))
    line = _worker_failure("Collective ops is aborted by: recvmsg:Connection reset by peer", 3, tmp_path)
    assert "/job:worker/task:1 or /job:worker/task:2" in line and "task:0" not in line
    assert "epoch 3" in line and "epoch 2" in line and "`resume`" in line and "\n" not in line
    named = _worker_failure("/job:worker/task:2 unhealthy\nCollective ops is aborted", 1, tmp_path)
    assert "lost /job:worker/task:2" in named and "nothing was saved" in named
    monkeypatch.delenv("TF_CONFIG")
    assert "a worker failed" in _worker_failure("Connection reset by peer", 2, tmp_path)


def test_library_resume_without_a_run_is_refused(tmp_path):
    """train(resume=True) on an empty folder used to start afresh silently."""
    from edgepose.errors import EdgeposeError
    from edgepose.train import train

    with pytest.raises(EdgeposeError, match="nothing to resume"):
        train(tmp_path / "a.json", tmp_path, tmp_path / "run", resume=True)


def test_the_run_folder_rules_live_in_the_library(synth_set, tmp_path):
    """train() itself refuses resume + force, a non-empty folder without force, and an output inside
    an input; the CLI only parses."""
    pytest.importorskip("tensorflow")
    from edgepose.errors import EdgeposeError
    from edgepose.train import TrainConfig, train

    cfg = TrainConfig(model="edgehrnet-t", input_size=(64, 64), epochs=1, batch_size=8)
    with pytest.raises(EdgeposeError, match="`resume` and `force` contradict"):
        train(synth_set["json"], synth_set["images"], tmp_path / "r", cfg, resume=True, force=True)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    with pytest.raises(EdgeposeError, match="not empty|force"):
        train(synth_set["json"], synth_set["images"], busy, cfg)
    assert (busy / "notes.txt").read_text() == "mine"
    with pytest.raises(EdgeposeError, match="input"):
        train(synth_set["json"], synth_set["images"], Path(synth_set["images"]) / "run", cfg)


def test_resume_accepts_data_that_moved_but_not_other_data(tmp_path):
    """A committed run records its pool as $POOL; the next session has it elsewhere: same files and weights resume,
    another annotation file or weight is another run."""
    from dataclasses import asdict

    from edgepose.errors import EdgeposeError
    from edgepose.train import TrainConfig, _check_same_run

    base = {**asdict(TrainConfig()), "datasets": ["runs/d/pool.json:$POOL:1.0", "../shared/data/lspet/x.json:../shared/i:0.3"]}
    moved = {**base, "datasets": ["runs/d/pool.json:/data/pool:1.0", "/elsewhere/lspet/x.json:/elsewhere/i:0.3"]}
    _check_same_run(base, moved, tmp_path)
    for other in (["runs/d/other.json:$POOL:1.0", base["datasets"][1]], [base["datasets"][0], "x.json:i:0.5"]):
        with pytest.raises(EdgeposeError, match="different settings"):
            _check_same_run(base, {**base, "datasets": other}, tmp_path)
