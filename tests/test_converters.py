"""ONNX -> TFLite through onnx2tf (offline), Keras -> ONNX through tf2onnx, and a PyTorch-born model."""

import hashlib

import numpy as np
import pytest

pytestmark = pytest.mark.slow


def _nchw_pose_onnx(path, h=64, w=64):
    """A small NCHW heatmap network written with onnx.helper: stride-4 conv stem, a stride-8
    branch upsampled (nearest) and added back, 17 heatmaps at 1/4 resolution."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)

    def weight(name, *shape):
        return numpy_helper.from_array((rng.normal(0, 0.3, shape)).astype(np.float32), name)

    nodes = [
        helper.make_node("Conv", ["image", "w1", "b1"], ["s1"], strides=[4, 4], pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
        helper.make_node("Relu", ["s1"], ["r1"]),
        helper.make_node("Conv", ["r1", "w2", "b2"], ["s2"], strides=[2, 2], pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
        helper.make_node("Relu", ["s2"], ["r2"]),
        helper.make_node("Resize", ["r2", "", "scales"], ["up"], mode="nearest"),
        helper.make_node("Add", ["r1", "up"], ["sum"]),
        helper.make_node("Conv", ["sum", "w3", "b3"], ["heatmaps"], kernel_shape=[1, 1]),
    ]
    inits = [
        weight("w1", 8, 3, 3, 3), weight("b1", 8), weight("w2", 8, 8, 3, 3), weight("b2", 8),
        weight("w3", 17, 8, 1, 1), weight("b3", 17),
        numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "scales"),
    ]  # fmt: skip
    graph = helper.make_graph(
        nodes, "tiny_pose",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, h, w])],
        [helper.make_tensor_value_info("heatmaps", TensorProto.FLOAT, [1, 17, h // 4, w // 4])],
        inits,
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, str(path))
    return path


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def onnx2tf_ready():
    pytest.importorskip("onnx2tf")
    pytest.importorskip("onnxruntime")


def test_nchw_onnx_to_int8_offline_matches_onnxruntime(onnx2tf_ready, tiny_run, tmp_path, monkeypatch):
    # no network: any attempt to open a socket fails the conversion
    import socket

    from converters.onnx_tflite import convert_onnx
    from edgepose.quantize import load_calibration

    def no_network(*args, **kwargs):
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):  # and in the onnx2tf subprocess
        monkeypatch.setenv(var, "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "")
    src = _nchw_pose_onnx(tmp_path / "pose.onnx")
    before = _digest(src)
    calib = load_calibration(tiny_run["calib"])
    fp32 = convert_onnx(src, tmp_path / "pose_fp32.tflite", "fp32", calib=calib)
    int8 = convert_onnx(src, tmp_path / "pose_int8.tflite", "int8", calib=calib)
    assert _digest(src) == before  # input left byte-identical
    assert fp32["input"]["layout"] == "nchw"
    assert fp32["compare"]["max_abs_error"] < 1e-4 and fp32["compare"]["keypoint_agreement"] == 1.0
    v = int8["verify"]
    assert v["inputs"][0]["dtype"] == "int8" and v["outputs"][0]["shape"] == [1, 16, 16, 17] and not v["float_ops"]
    span = int8["compare"]["output_range"][1] - int8["compare"]["output_range"][0]
    assert int8["compare"]["max_abs_error"] < 0.1 * span
    assert not {"TRANSPOSE", "CAST"} & set(v["ops"])  # onnx2tf moved the whole graph to NHWC


def test_keras_to_onnx_and_back_to_int8(onnx2tf_ready, tiny_run, tmp_path):
    pytest.importorskip("tf2onnx")
    import onnx

    from converters.keras_onnx import export_onnx, stated_contract
    from converters.onnx_tflite import convert_onnx
    from edgepose.quantize import load_calibration

    exported = export_onnx(tiny_run["summary"]["checkpoint"], tmp_path / "m.onnx")
    assert exported["max_abs_error"] < 1e-4 and exported["input"] == [1, 64, 64, 3]
    _, described = stated_contract(onnx.load(str(tmp_path / "m.onnx")), "m.onnx")
    assert described["normalization"] == "raw" and described["layout"] == "nhwc"  # pixels 0..255, normalised inside
    from edgepose.estimators import load_estimator

    read = load_estimator(tmp_path / "m.onnx").contract  # the runtime reads the file's own description: no flags
    assert (read.normalization, read.sources["mean"]) == ("raw", "contract")
    assert read.codec == load_estimator(tiny_run["summary"]["checkpoint"]).contract.codec
    res = convert_onnx(tmp_path / "m.onnx", tmp_path / "m_int8.tflite", "int8",
                       calib=load_calibration(tiny_run["calib"]), mean=(0, 0, 0), std=(1 / 255,) * 3)  # fmt: skip
    assert res["input"]["layout"] == "nhwc"
    assert set(res["verify"]["ops"]) == set(tiny_run["int8_report"]["ops"])  # same graph as edgepose's own int8


def test_pytorch_hrnet_style_model_through_onnx(onnx2tf_ready, tiny_run, tmp_path):
    torch = pytest.importorskip("torch", reason="torch is not installed (pip install torch==2.13.0)")
    from torch import nn
    from torch.nn import functional as F

    from converters.onnx_tflite import convert_onnx
    from edgepose.quantize import load_calibration

    class TwoBranch(nn.Module):
        def __init__(self, c=16):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, c, 3, 2, 1), nn.BatchNorm2d(c), nn.ReLU(),
                                      nn.Conv2d(c, c, 3, 2, 1), nn.BatchNorm2d(c), nn.ReLU())  # fmt: skip
            self.high = nn.Sequential(nn.Conv2d(c, c, 3, 1, 1), nn.BatchNorm2d(c), nn.ReLU())
            self.low = nn.Sequential(nn.Conv2d(c, 2 * c, 3, 2, 1), nn.BatchNorm2d(2 * c), nn.ReLU(),
                                     nn.Conv2d(2 * c, 2 * c, 3, 1, 1, groups=2 * c), nn.Conv2d(2 * c, 2 * c, 1))  # fmt: skip
            self.fuse = nn.Conv2d(2 * c, c, 1)
            self.head = nn.Conv2d(c, 17, 1)

        def forward(self, x):
            x = self.stem(x)
            y = F.relu(self.high(x) + F.interpolate(self.fuse(self.low(x)), scale_factor=2, mode="nearest"))
            return self.head(y)

    torch.manual_seed(0)
    net = TwoBranch().eval()
    src = tmp_path / "torch_pose.onnx"
    torch.onnx.export(net, torch.randn(1, 3, 64, 64), str(src), input_names=["input"], output_names=["heatmaps"],
                      opset_version=17, dynamo=False)  # fmt: skip
    before = _digest(src)
    res = convert_onnx(src, tmp_path / "torch_int8.tflite", "int8", calib=load_calibration(tiny_run["calib"]))
    assert _digest(src) == before
    assert res["input"] == {"name": "input", "layout": "nchw", "height": 64, "width": 64}
    span = res["compare"]["output_range"][1] - res["compare"]["output_range"][0]
    assert res["compare"]["max_abs_error"] < 0.1 * span


def test_bad_onnx_inputs_are_one_line_errors(tmp_path):
    pytest.importorskip("onnx")
    from converters.onnx_tflite import convert_onnx
    from edgepose.errors import EdgeposeError

    bad = tmp_path / "junk.onnx"
    bad.write_bytes(b"not a protobuf at all")
    with pytest.raises(EdgeposeError, match="not a valid ONNX model"):
        convert_onnx(bad, tmp_path / "o.tflite", "fp32")
    with pytest.raises(EdgeposeError, match="not found"):
        convert_onnx(tmp_path / "missing.onnx", tmp_path / "o.tflite", "fp32")
    src = _nchw_pose_onnx(tmp_path / "pose.onnx")
    with pytest.raises(EdgeposeError, match="needs a calibration set"):
        convert_onnx(src, tmp_path / "o.tflite", "int8")
    with pytest.raises(EdgeposeError, match="calibration crops are"):
        convert_onnx(src, tmp_path / "o.tflite", "int8", calib=np.zeros((2, 32, 32, 3), np.uint8))


def test_convert_reads_the_input_description_or_says_what_it_assumed(tmp_path):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    from edgepose.cli.convert import _described_normalization

    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, 8, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8, 8, 3])],
    )  # fmt: skip
    bare = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.save(bare, str(tmp_path / "bare.onnx"))
    name, said = _described_normalization(tmp_path / "bare.onnx")
    assert name == "imagenet" and "does not describe its input: assumed" in said and "--normalize" in said
    entry = bare.metadata_props.add()
    entry.key, entry.value = "edgepose.input", '{"layout": "nhwc", "normalization": "raw", "pixels": "RGB 0..255"}'
    onnx.save(bare, str(tmp_path / "described.onnx"))
    assert _described_normalization(tmp_path / "described.onnx")[0] == "raw"
