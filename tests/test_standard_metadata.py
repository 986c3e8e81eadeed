"""Standard TFLite Model Metadata in every bundle: our flatc bindings read it back here, and
tflite-support's own MetadataDisplayer reads it in an isolated environment (tflite-support pins
protobuf < 4, which cannot share an environment with TensorFlow)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from edgepose.pretrained import pretrained_tflite


@pytest.fixture(scope="module")
def bundled(tmp_path_factory) -> Path:
    from edgepose.bundle.bundle import bundle

    out = tmp_path_factory.mktemp("bundle")
    return Path(bundle(pretrained_tflite(), out, version="9.9", codec="gaussian")["model"])


def test_bundle_carries_standard_metadata_and_the_label_file(bundled):
    from ai_edge_litert import schema_py_generated as schema

    from edgepose.engine import open_model
    from edgepose.engine import tflite_metadata_schema as md
    from edgepose.engine.metadata import read_metadata
    from edgepose.keypoints import COCO_KEYPOINTS

    data = bundled.read_bytes()
    model = schema.Model.GetRootAs(data, 0)
    names = {model.Metadata(i).Name().decode(): model.Metadata(i).Buffer() for i in range(model.MetadataLength())}
    assert {"TFLITE_METADATA", "edgepose.contract"} <= set(names)
    raw = model.Buffers(names["TFLITE_METADATA"]).DataAsNumpy().tobytes()
    assert md.ModelMetadata.ModelMetadataBufferHasIdentifier(raw, 0)
    meta = md.ModelMetadataT.InitFromObj(md.ModelMetadata.GetRootAs(raw, 0))
    assert meta.version == b"9.9" or meta.version == "9.9"
    graph = meta.subgraphMetadata[0]
    image = graph.inputTensorMetadata[0]
    assert image.content.contentPropertiesType == md.ContentProperties.ImageProperties
    assert image.content.contentProperties.colorSpace == md.ColorSpaceType.RGB
    _, h, w, _ = open_model(bundled).inputs[0].shape
    assert (image.content.contentProperties.defaultSize.height, image.content.contentProperties.defaultSize.width) == (h, w)
    heatmaps = graph.outputTensorMetadata[0]
    assert heatmaps.associatedFiles[0].type == md.AssociatedFileType.TENSOR_AXIS_LABELS
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # the label file, appended the standard way
        labels = archive.read("keypoint_labels.txt").decode().split()
    assert labels == list(COCO_KEYPOINTS)
    assert read_metadata(bundled)["version"] == "9.9"  # our contract still reads


def test_rebundling_replaces_both_entries(bundled, tmp_path):
    from ai_edge_litert import schema_py_generated as schema

    from edgepose.bundle.bundle import bundle

    again = Path(bundle(bundled, tmp_path, version="10")["model"])
    model = schema.Model.GetRootAs(again.read_bytes(), 0)
    names = [model.Metadata(i).Name().decode() for i in range(model.MetadataLength())]
    assert names.count("TFLITE_METADATA") == 1 and names.count("edgepose.contract") == 1
    with zipfile.ZipFile(again) as archive:
        assert archive.namelist() == ["keypoint_labels.txt"]


def _tflite_support_python(root: Path) -> str:
    """A Python with tflite-support: $EDGEPOSE_TFLITE_SUPPORT_PYTHON, else a venv made here."""
    given = os.environ.get("EDGEPOSE_TFLITE_SUPPORT_PYTHON")
    if given:
        return given
    venv = root / "tfs"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = str(venv / "bin" / "python")
    r = subprocess.run([py, "-m", "pip", "install", "-q", "tflite-support==0.4.4", "numpy<2"], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot install tflite-support 0.4.4 in an isolated venv: {r.stderr.strip().splitlines()[-1:]}")
    return py


@pytest.mark.slow
def test_metadata_displayer_reads_the_bundle(bundled, tmp_path):
    py = _tflite_support_python(tmp_path)
    code = (
        "import json, sys\n"
        "from tflite_support import metadata\n"
        "d = metadata.MetadataDisplayer.with_model_file(sys.argv[1])\n"
        "print(json.dumps({'meta': json.loads(d.get_metadata_json()), 'files': d.get_packed_associated_file_list()}))\n"
    )
    r = subprocess.run([py, "-c", code, str(bundled)], capture_output=True, text=True)
    if r.returncode != 0 and "libusb" in r.stderr:
        pytest.skip("tflite-support needs libusb-1.0 (apt-get install libusb-1.0-0)")
    assert r.returncode == 0, r.stderr
    import json

    shown = json.loads(r.stdout)
    assert shown["files"] == ["keypoint_labels.txt"]
    meta = shown["meta"]
    assert meta["version"] == "9.9" and meta["min_parser_version"] == "1.0.0"
    image = meta["subgraph_metadata"][0]["input_tensor_metadata"][0]
    assert image["content"]["content_properties_type"] == "ImageProperties"
    assert image["content"]["content_properties"]["color_space"] == "RGB"
    out = meta["subgraph_metadata"][0]["output_tensor_metadata"][0]
    assert out["associated_files"][0]["type"] == "TENSOR_AXIS_LABELS"
