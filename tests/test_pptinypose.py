"""PP-TinyPose in the registry and its published weights (OpenVINO IR in ../shared/peers/pp_tinypose)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

SHARED = Path(os.environ.get("EDGEPOSE_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))
IR = SHARED / "peers" / "pp_tinypose"
needs_ir = pytest.mark.skipif(not (IR / "128x96" / "model.xml").is_file(), reason="../shared/peers/pp_tinypose is absent")


def test_registry_builds_pptinypose_at_any_size():
    pytest.importorskip("tensorflow")
    from edgepose.models import create_model

    for w, h in ((96, 128), (64, 64), (192, 256)):
        model = create_model("pptinypose", (w, h))
        assert model.output.shape[1:] == (h // 4, w // 4, 17)
    assert model.count_params() == 1_300_177  # the published graph's weight count


def test_model_info_works_on_pptinypose():
    from edgepose.models.info import model_info

    info = model_info("pptinypose", (96, 128))
    assert info["params"] == 1_300_177
    assert 70e6 < info["macs"] < 80e6  # 75.6 M MACs at 128x96 (the IR's own count)


def _crops(size_wh: tuple[int, int], n: int = 4) -> np.ndarray:
    """Real person crops from coco_train (training data; never coco_val) through the inference crop."""
    from edgepose.data.coco import load_coco
    from edgepose.transforms import crop_person

    coco = load_coco(SHARED / "data" / "coco_train" / "person_keypoints.json")
    import cv2

    out = []
    files = {im["id"]: im["file_name"] for im in coco["images"]}
    for ann in [a for a in coco["annotations"] if a.get("num_keypoints", 0) >= 8][:n]:
        image = cv2.imread(str(SHARED / "data" / "coco_train" / "images" / files[ann["image_id"]]))[..., ::-1]
        out.append(crop_person(image, ann["bbox"], size_wh)[0])
    return np.stack(out).astype(np.float32)


@needs_ir
@pytest.mark.parametrize("size", ["128x96", "256x192"])
def test_imported_weights_match_openvino(size):
    """Heatmaps within 1e-5 of OpenVINO's on real crops; the same peak cells, keypoints within 1e-3 px."""
    pytest.importorskip("tensorflow")
    ov = pytest.importorskip("openvino")
    from edgepose.codecs.registry import codec_class
    from edgepose.models.pptinypose_import import load_pptinypose_ir

    xml = IR / size / "model.xml"
    model = load_pptinypose_ir(xml)
    h, w = model.input.shape[1:3]
    crops = _crops((w, h))
    core = ov.Core()
    compiled = core.compile_model(core.read_model(str(xml)), "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
    ours = model(crops).numpy()
    codec = codec_class("msra")((w, h), (w // 4, h // 4))
    for crop, heat in zip(crops, ours):
        ref = compiled(((crop / 255 - mean) / std).transpose(2, 0, 1)[None].astype(np.float32))[compiled.outputs[0]][0]
        ref = ref.transpose(1, 2, 0)
        assert np.abs(ref - heat).max() < 1e-5
        flat_ref, flat_ours = ref.reshape(-1, ref.shape[-1]), heat.reshape(-1, heat.shape[-1])
        np.testing.assert_array_equal(flat_ref.argmax(0), flat_ours.argmax(0))  # the same peak cell per keypoint
        np.testing.assert_allclose(codec.decode(ref[None])[0], codec.decode(heat[None])[0], atol=1e-3)  # sub-pixel: 1e-3 px


@needs_ir
def test_wrong_files_get_one_line_and_nothing_written(tmp_path):
    from edgepose.errors import EdgeposeError
    from edgepose.models.pptinypose_import import import_pptinypose

    out = tmp_path / "m.keras"
    other = SHARED / "peers" / "detectors" / "picodet_s_320_pedestrian" / "model.xml"
    if other.is_file():
        with pytest.raises(EdgeposeError, match="not (a )?PP-TinyPose"):
            import_pptinypose(other, out)
    cut = tmp_path / "cut"
    cut.mkdir()
    shutil.copy(IR / "128x96" / "model.xml", cut / "model.xml")
    (cut / "model.bin").write_bytes((IR / "128x96" / "model.bin").read_bytes()[:100_000])
    with pytest.raises(EdgeposeError, match="truncated"):
        import_pptinypose(cut / "model.xml", out)
    with pytest.raises(EdgeposeError, match="multiples of 32"):
        import_pptinypose(IR / "128x96" / "model.xml", out, input_size=(100, 130))
    mixed = tmp_path / "mixed"  # the xml of one graph with the weights of another model
    mixed.mkdir()
    shutil.copy(IR / "128x96" / "model.xml", mixed / "model.xml")
    blob = bytearray((IR / "128x96" / "model.bin").read_bytes())
    (mixed / "model.bin").write_bytes(bytes(blob[: len(blob) // 2]))
    with pytest.raises(EdgeposeError, match="truncated"):
        import_pptinypose(mixed / "model.xml", out)
    assert not out.exists() and not list(tmp_path.glob("*.keras*"))


@needs_ir
def test_import_writes_contract_and_lowerings_share_weights(tmp_path):
    pytest.importorskip("tensorflow")
    from edgepose.contract import read_keras_contract
    from edgepose.models.pptinypose_import import import_pptinypose, relower
    from edgepose.models.saved import load_model

    out = tmp_path / "ppt.keras"
    info = import_pptinypose(IR / "128x96" / "model.xml", out)
    assert info["input"] == [128, 96]
    contract = read_keras_contract(out)
    assert contract.codec == "msra" and contract.model == "pptinypose" and contract.lowering == "cpu"
    model = load_model(out)
    tpu = relower(model, "edgetpu")
    ops = {type(layer).__name__ for layer in tpu.layers}
    assert "InterleaveShuffle" in ops and "Permute" not in ops
    x = np.random.default_rng(0).uniform(0, 255, (2, 128, 96, 3)).astype(np.float32)
    assert np.abs(model(x).numpy() - tpu(x).numpy()).max() < 1e-5
