"""Training with the int8 quantizer in the loop (quantize.qat, train --qat)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("tensorflow")


def test_fake_quant_model_shares_weights_and_follows_the_int8_file(tiny_run):
    """The rebuilt model uses the float model's variables, and perturbs the float outputs about as much as
    the converted int8 file does."""
    from edgepose.engine import open_model
    from edgepose.quantize import load_calibration
    from edgepose.quantize.qat import calibrate_ranges, quantizer_in_the_loop
    from edgepose.train import load_model

    model = load_model(tiny_run["summary"]["checkpoint"])
    qmodel, fake_quant = quantizer_in_the_loop(model)
    assert {id(v) for v in qmodel.trainable_variables} == {id(v) for v in model.trainable_variables}
    crops = load_calibration(tiny_run["calib"]).astype(np.float32)
    calibrate_ranges(qmodel, fake_quant, crops)
    assert fake_quant and all(float(fq.high.numpy()) > float(fq.low.numpy()) for fq in fake_quant)
    x = crops[:4]
    int8 = open_model(tiny_run["int8"])
    real = np.stack([int8.invoke(xi[None])[0][0] for xi in x]).astype(np.float32)
    sim, flt = qmodel(x).numpy(), model(x).numpy()
    assert not np.allclose(sim, flt)  # the quantizer is in the loop
    # and it perturbs as much as the real int8 file does (same order of magnitude, not bit-exact noise)
    sim_noise, real_noise = np.abs(sim - flt).mean(), np.abs(real - flt).mean()
    assert real_noise / 3 < sim_noise < 3 * real_noise


def test_train_qat_moves_the_float_weights(synth_set, tmp_path):
    from edgepose.train import TrainConfig, load_model, train

    cfg = TrainConfig(model="edgehrnet-t", input_size=(64, 64), epochs=1, batch_size=8, epoch_size=16, lr=1e-3, qat=True,
                      qat_calib_batches=1)  # fmt: skip
    summary = train(synth_set["json"], synth_set["images"], tmp_path / "run", cfg)
    trained = load_model(summary["checkpoint"])
    assert np.isfinite(summary["loss"])
    names = {w.path for w in trained.weights}
    assert not any("_aq" in n or "_wq" in n for n in names)  # the saved model is the float model, no quantizers
