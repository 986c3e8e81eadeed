"""Residual-stream equalization (quantize.equalize): exact in float on every kind of model, and it finds
and shrinks a massive channel that travels through slices, shuffles, concatenations and Adds."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("tensorflow")


def _crops(n: int = 8, size=(64, 64)) -> np.ndarray:
    return np.random.default_rng(0).uniform(0, 255, (n, size[1], size[0], 3)).astype(np.float32)


@pytest.mark.parametrize("name", ["edgehrnet-t", "litehrnet-18", "pptinypose"])
def test_float_outputs_unchanged(name):
    from edgepose.models import create_model
    from edgepose.quantize.equalize import equalize

    model = create_model(name, (64, 64))
    x = _crops()
    new, report = equalize(model, x)
    before, after = model(x).numpy(), new(x).numpy()
    assert np.abs(before - after).max() <= 1e-4 * max(1.0, np.abs(before).max())


def test_a_massive_channel_is_found_and_shrunk():
    """Channel 0 of PP-TinyPose's stride-4 stream made 50x larger than its neighbours (as the published weights
    are): equalization divides its group by a large factor, the stream's spread drops, the output stays."""
    import keras

    from edgepose.models import create_model
    from edgepose.quantize.equalize import equalize

    model = create_model("pptinypose", (64, 64))
    layer = model.get_layer("bn7")  # the transition conv that starts the stride-4 branch
    kernel, bias = layer.get_weights()
    kernel[..., 0] *= 50.0
    bias[0] = abs(bias[0]) * 50.0 + 5.0
    layer.set_weights([kernel, bias])
    x = _crops()
    new, report = equalize(model, x)
    assert report["groups"] >= 1 and report["max_factor"] > 5.0
    np.testing.assert_allclose(new(x).numpy(), model(x).numpy(), rtol=1e-4, atol=1e-4 * np.abs(model(x).numpy()).max())

    def spread(m) -> float:
        t = m.get_layer("s0m0_f0_self").output  # the x + x fusion Add of the stride-4 branch
        v = np.abs(keras.Model(m.inputs[0], t)(x).numpy()).reshape(-1, t.shape[-1]).max(0)
        return float(v.max() / np.median(v))

    assert spread(new) < spread(model) / 4


def test_in_place_changes_the_given_model_and_nothing_else_is_touched():
    from edgepose.models import create_model
    from edgepose.quantize.equalize import equalize

    model = create_model("edgehrnet-t", (64, 64))
    weights = [w.copy() for w in model.get_weights()]
    copy, _ = equalize(model, _crops())
    assert all(np.array_equal(a, b) for a, b in zip(weights, model.get_weights()))  # the copy path leaves it alone
    same, _ = equalize(model, _crops(), in_place=True)
    assert same is model
