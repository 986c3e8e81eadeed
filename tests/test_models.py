import pytest

from edgepose.errors import EdgeposeError
from edgepose.models import MODEL_NAMES, model_spec

pytestmark = pytest.mark.slow


def test_unknown_model_and_bad_size_are_named():
    with pytest.raises(EdgeposeError, match="unknown model"):
        model_spec("resnet-9000")
    pytest.importorskip("tensorflow")
    from edgepose.models import create_model

    with pytest.raises(EdgeposeError, match="multiples of 32"):
        create_model("edgehrnet-t", (100, 128))


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_models_output_17_heatmaps_at_stride_4(name):
    pytest.importorskip("tensorflow")
    from edgepose.models import create_model

    model = create_model(name, (64, 96))
    assert model.input_shape == (None, 96, 64, 3)
    assert model.output_shape == (None, 24, 16, 17)


def test_int8_model_is_pure_int8_with_edge_tpu_friendly_ops(tiny_run):
    report = tiny_run["int8_report"]
    assert report["float_ops"] == []
    assert report["inputs"][0]["dtype"] == "int8" and report["outputs"][0]["dtype"] == "int8"
    assert report["inputs"][0]["shape"] == [1, 64, 64, 3]
    assert "RESIZE_NEAREST_NEIGHBOR" in report["ops"]
    assert not {"TRANSPOSE", "RESHAPE", "STRIDED_SLICE", "TILE"} & set(report["ops"])
    edge_tpu_mapped = {"ADD", "CONV_2D", "DEPTHWISE_CONV_2D", "MUL", "CONCATENATION", "RESIZE_NEAREST_NEIGHBOR"}
    assert set(report["ops"]) <= edge_tpu_mapped, report["ops"]  # file ops (no XNNPACK DELEGATE nodes)
    assert tiny_run["int8"].stat().st_size < tiny_run["fp32"].stat().st_size / 2


def test_training_lowers_the_loss(tiny_run):
    history = tiny_run["summary"]["history"]
    assert len(history) == 3
    assert history[-1]["loss"] < history[0]["loss"]


def test_litehrnet_18_matches_the_published_size_and_cost():
    """Lite-HRNet-18 at 256x192: 1.1 M parameters, 205 M (mmcv) FLOPs = MACs (Yu et al. 2021); +-15 %."""
    pytest.importorskip("tensorflow")
    from edgepose.models.info import model_info

    info = model_info("litehrnet-18", (192, 256))
    assert info["params"] == pytest.approx(1.1e6, rel=0.15)
    assert info["macs"] == pytest.approx(205e6, rel=0.15)
    assert info["flops"] == 2 * info["macs"] and info["layers"] > 100


def test_litehrnet_saves_and_loads_as_keras_file(tmp_path):
    pytest.importorskip("tensorflow")
    import numpy as np

    from edgepose.models import create_model
    from edgepose.train import load_model

    model = create_model("litehrnet-18", (64, 64))
    x = np.random.default_rng(0).uniform(0, 255, (1, 64, 64, 3)).astype(np.float32)
    model.save(tmp_path / "m.keras")
    again = load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(again(x, training=False), model(x, training=False), atol=1e-5)


def test_litehrnet_int8_keeps_shuffle_ops_that_edgehrnet_avoids(tmp_path):
    """Lite-HRNet's channel split/shuffle lands in int8 TFLite as STRIDED_SLICE, RESHAPE and
    TRANSPOSE (and its channel weighting as MEAN/LOGISTIC/MUL): the reason for edgehrnet-*."""
    pytest.importorskip("tensorflow")
    import numpy as np

    from edgepose.models import create_model
    from edgepose.quantize import quantize

    calib = np.random.default_rng(0).integers(0, 256, (4, 64, 64, 3), dtype=np.uint8)
    report = quantize(create_model("litehrnet-18", (64, 64)), tmp_path / "lite.tflite", "int8", calib=calib)
    assert report["float_ops"] == []
    assert {"STRIDED_SLICE", "RESHAPE", "TRANSPOSE", "MEAN", "LOGISTIC"} <= set(report["ops"])
