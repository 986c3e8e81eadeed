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
