"""Training checkpoints and --resume."""

import json

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
