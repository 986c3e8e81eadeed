"""Every training setting is a `train` flag, and validation decodes with the trained sigma (issue 32)."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

# TrainConfig field -> the train command's parameter name where the CLI spells it differently
_CLI_NAMES = {"ohkm_topk": "ohkm"}


def test_every_train_config_field_is_a_train_flag():
    from edgepose.cli.train import train
    from edgepose.train_config import TrainConfig

    params = set(inspect.signature(train).parameters)
    missing = [f.name for f in dataclasses.fields(TrainConfig) if _CLI_NAMES.get(f.name, f.name) not in params]
    assert not missing, f"TrainConfig fields without a `train` flag: {missing}"


def test_train_flag_defaults_are_the_config_defaults():
    from edgepose.cli.train import train
    from edgepose.train_config import TrainConfig

    defaults = TrainConfig()
    sig = inspect.signature(train)
    for field in dataclasses.fields(TrainConfig):
        param = sig.parameters[_CLI_NAMES.get(field.name, field.name)]
        default = getattr(param.default, "default", param.default)
        if field.name == "input_size":
            continue  # the CLI writes it as text HxW
        assert default == getattr(defaults, field.name), field.name


def test_validation_uses_the_trained_sigma(monkeypatch, synth_set):
    """A model trained with sigma 1.5 is validated with sigma 1.5 (it was 2.0 whatever the run used)."""
    pytest.importorskip("tensorflow")
    from edgepose import estimators
    from edgepose.codec import codec_for
    from edgepose.models import create_model
    from edgepose.train import validate_keras

    seen = []
    original = estimators.KerasPoseEstimator.__init__

    def spy(self, model, flip_test=False, codec="gaussian", sigma=2.0):
        seen.append((codec, sigma))
        original(self, model, flip_test=flip_test, codec=codec, sigma=sigma)

    monkeypatch.setattr(estimators.KerasPoseEstimator, "__init__", spy)
    model = create_model("edgehrnet-t", (64, 64))
    validate_keras(model, synth_set["json"], synth_set["images"], codec_for((64, 64), 1.5, name="udp"))
    assert seen == [("udp", 1.5)]
