"""The shipped pretrained model: loads with the runtime alone, maps fully to the Edge TPU, and
still scores what its model card says on the shared real data."""

import json
import os
from pathlib import Path

import pytest

from edgepose.pretrained import DEFAULT, HERE, SHIPPED

NAME = DEFAULT
KERAS, TFLITE = (HERE / f for f in SHIPPED[NAME])
SHARED = Path(os.environ.get("EDGEPOSE_SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))
pytestmark = pytest.mark.skipif(not TFLITE.is_file(), reason="no pretrained weights in this checkout")


def _card_input_hw() -> tuple[int, int]:
    """The input (height, width) the model card's metrics.json states for the shipped model."""
    h, w = json.loads((HERE / "metrics.json").read_text())["input_hxw"]
    return int(h), int(w)


def test_int8_model_runs_with_the_runtime_and_maps_to_the_edge_tpu():
    import numpy as np

    from edgepose.edgetpu import edgetpu_check
    from edgepose.pretrained import pretrained_tflite
    from edgepose.runtime import PoseEstimator

    est = PoseEstimator(pretrained_tflite(NAME))
    h, w = _card_input_hw()
    assert est.contract.input_size == (w, h) and est.contract.input_dtype == "int8"
    pose = est.predict(np.full((200, 150, 3), 127, np.uint8))[0]
    assert pose.keypoints.shape == (17, 2)
    report = edgetpu_check(TFLITE)
    assert report["fully_mapped"] and report["segments"] == 1


def test_model_card_figures_are_reproduced_on_coco_val():
    pytest.importorskip("pycocotools")
    if not (SHARED / "coco_val/person_keypoints.json").is_file():
        pytest.skip(f"real data not found at {SHARED}")
    from edgepose.bench import bench_accuracy

    metrics = json.loads((HERE / "metrics.json").read_text())
    stats = bench_accuracy(TFLITE, SHARED / "coco_val/person_keypoints.json", SHARED / "coco_val/images")
    assert stats["AP"] == pytest.approx(metrics["formats"]["int8"]["AP"], abs=1e-3)
    assert stats["PCK_bbox"] == pytest.approx(metrics["formats"]["int8"]["PCK_bbox"], abs=1e-3)


@pytest.mark.slow
def test_fine_tuning_starts_from_the_shipped_weights(tmp_path):
    pytest.importorskip("tensorflow")
    import numpy as np

    from edgepose.models import create_model
    from edgepose.train import init_weights, load_model

    h, w = _card_input_hw()
    model = create_model(NAME, (w, h))
    init_weights(model, KERAS)
    shipped = load_model(KERAS)
    assert tuple(shipped.input_shape[1:3]) == (h, w)
    x = np.random.default_rng(0).uniform(0, 255, (1, h, w, 3)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(model(x)), np.asarray(shipped(x)), atol=1e-5)


# the accurate tier: PP-TinyPose's weights fine-tuned for int8 (issue 31), CPU and Edge TPU forms
PPT_KERAS, PPT_TFLITE = (HERE / f for f in SHIPPED["pptinypose"])
PPT_TPU = HERE / SHIPPED["pptinypose-edgetpu"][1]
needs_ppt = pytest.mark.skipif(not PPT_TFLITE.is_file(), reason="no pptinypose weights in this checkout")


def _ppt_metrics() -> dict:
    return json.loads((HERE / "pptinypose_metrics.json").read_text())


@needs_ppt
def test_predict_pretrained_runs_pptinypose_with_its_contract():
    import numpy as np

    from edgepose.pretrained import PREDICT, pretrained_tflite
    from edgepose.runtime import PoseEstimator

    assert PREDICT == "pptinypose"
    est = PoseEstimator(pretrained_tflite(PREDICT))
    assert est.contract.input_size == (96, 128) and est.contract.input_dtype == "int8"
    assert est.contract.codec == "msra"  # Paddle's heatmap convention, read from the file
    pose = est.predict(np.full((200, 150, 3), 127, np.uint8))[0]
    assert pose.keypoints.shape == (17, 2)


@needs_ppt
def test_pptinypose_edgetpu_form_maps_in_one_partition():
    from edgepose.edgetpu import edgetpu_check

    report = edgetpu_check(PPT_TPU)
    assert report["segments"] == 1
    assert report["ops_on_tpu"] / report["ops_total"] >= 0.95


@needs_ppt
def test_pptinypose_card_figures_are_reproduced_on_coco_val():
    pytest.importorskip("pycocotools")
    if not (SHARED / "coco_val/person_keypoints.json").is_file():
        pytest.skip(f"real data not found at {SHARED}")
    from edgepose.bench import bench_accuracy

    card = _ppt_metrics()["formats"]["int8"]["coco_val"]
    stats = bench_accuracy(PPT_TFLITE, SHARED / "coco_val/person_keypoints.json", SHARED / "coco_val/images")
    assert stats["AP"] == pytest.approx(card["AP"], abs=1e-3)
    assert stats["AP"] >= 0.50  # the floor (MoveNet Lightning int8: 0.350)


@needs_ppt
@pytest.mark.slow
def test_fine_tuning_starts_from_the_shipped_pptinypose_in_either_lowering():
    pytest.importorskip("tensorflow")
    import numpy as np

    from edgepose.models import create_model
    from edgepose.train import init_weights, load_model

    shipped = load_model(PPT_KERAS)
    x = np.random.default_rng(0).uniform(0, 255, (1, 128, 96, 3)).astype(np.float32)
    for name in ("pptinypose", "pptinypose-edgetpu"):
        model = create_model(name, (96, 128))
        init_weights(model, PPT_KERAS)
        if name == "pptinypose":
            np.testing.assert_allclose(np.asarray(model(x)), np.asarray(shipped(x)), atol=1e-5)
        else:  # the Edge TPU registry form has half-pixel head resizes: same weights, a different function
            assert model.get_layer("bn0").get_weights()[0].tobytes() == shipped.get_layer("bn0").get_weights()[0].tobytes()


def test_every_shipped_keras_carries_its_training_contract():
    """Issue 32: the shipped .keras had no contract, so its ONNX export could not say its codec."""
    from edgepose.contract import read_keras_contract

    for name, (keras_file, _) in SHIPPED.items():
        contract = read_keras_contract(HERE / keras_file)
        assert contract is not None, name
        assert contract.model.startswith(name.split("-edgetpu")[0]) and contract.sigma > 0
