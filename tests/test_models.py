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
    assert tiny_run["int8"].stat().st_size < tiny_run["fp32"].stat().st_size / 2


def test_training_lowers_the_loss(tiny_run):
    history = tiny_run["summary"]["history"]
    assert len(history) == 3
    assert history[-1]["loss"] < history[0]["loss"]
