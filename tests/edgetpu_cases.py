"""Small int8 TFLite models on which Coral's documented Edge TPU rules make a clear prediction.

Each case is a TensorFlow function, its input shape, and what the table predicts for the ops
the case is about (``{op name: on the Edge TPU?}``), at runtime version 14 unless ``runtime``
says otherwise. Built with the real TFLite converter (full-integer int8, int8 input/output);
used by ``tests/test_edgetpu_rules.py`` and ``benchmarks/edgetpu_table.py``. Needs TensorFlow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class Case:
    name: str
    build: Callable | None  # () -> (keras model, input shape without batch); None when ``writer`` is set
    expect: dict[str, bool]  # op name -> predicted on the Edge TPU
    rule: str  # the row of the table (or requirement) the case exercises
    runtime: int = 14
    writer: Callable | None = None  # (path) -> path, for models written from the schema instead of converted


def _keras(layers_fn, shape):
    import tensorflow as tf

    def build():
        inp = tf.keras.Input(shape=shape, batch_size=1)
        return tf.keras.Model(inp, layers_fn(tf, inp)), shape

    return build


def _conv(tf, x, ch=8):
    return tf.keras.layers.Conv2D(ch, 3, padding="same")(x)


def _resize(size, method, align=False, half=False):
    def fn(tf, x):
        x = _conv(tf, x)
        op = tf.compat.v1.image.resize_bilinear if method == "bilinear" else tf.compat.v1.image.resize_nearest_neighbor
        return tf.keras.layers.Lambda(lambda t: op(t, size, align_corners=align, half_pixel_centers=half))(x)

    return fn


CASES: list[Case] = [
    Case(
        "lstm_unidirectional",
        None,
        {"UNIDIRECTIONAL_SEQUENCE_LSTM": True},
        "LSTM 14+: unidirectional LSTM only (fused int8 op written from the schema)",
        writer=lambda path: lstm_model(path),
    ),
    Case(
        "lstm_unidirectional_runtime13",
        None,
        {"UNIDIRECTIONAL_SEQUENCE_LSTM": False},
        "LSTM needs runtime 14+",
        runtime=13,
        writer=lambda path: lstm_model(path),
    ),
    Case(
        "lstm_bidirectional",
        None,
        {"BIDIRECTIONAL_SEQUENCE_LSTM": False},
        "LSTM: unidirectional only (fused int8 op written from the schema)",
        writer=lambda path: lstm_model(path, bidirectional=True),
    ),
    Case(
        "tile",
        _keras(lambda tf, x: tf.keras.layers.Lambda(lambda t: tf.tile(t, [1, 2, 2, 1]))(_conv(tf, x)), (8, 8, 3)),
        {"TILE": True},
        "Tile (compiler 16, runtime 14)",
    ),
    Case(
        "resize_bilinear_align_9to17",
        _keras(_resize((17, 17), "bilinear", align=True), (9, 9, 3)),
        {"RESIZE_BILINEAR": True},
        "ResizeBilinear, align_corners, (17-1)/(9-1) = 2",
    ),
    Case(
        "resize_bilinear_align_8to16",
        _keras(_resize((16, 16), "bilinear", align=True), (8, 8, 3)),
        {"RESIZE_BILINEAR": False},
        "ResizeBilinear, align_corners, (16-1)/(8-1) not an integer",
    ),
    Case(
        "resize_bilinear_half_pixel_8to16",
        _keras(_resize((16, 16), "bilinear", half=True), (8, 8, 3)),
        {"RESIZE_BILINEAR": True},
        "ResizeBilinear, half_pixel_centers, 16/8 = 2",
    ),
    Case(
        "resize_bilinear_8to12",
        _keras(_resize((12, 12), "bilinear"), (8, 8, 3)),
        {"RESIZE_BILINEAR": False},
        "ResizeBilinear, 12/8 not an integer",
    ),
    Case(
        "resize_nearest_8to16",
        _keras(_resize((16, 16), "nearest"), (8, 8, 3)),
        {"RESIZE_NEAREST_NEIGHBOR": True},
        "ResizeNearestNeighbor, 16/8 = 2",
    ),
    Case(
        "resize_bilinear_64to128",
        _keras(_resize((128, 128), "bilinear"), (64, 64, 3)),
        {"RESIZE_BILINEAR": True},
        "ResizeBilinear, 128/64 = 2, output 128 px (google-coral/edgetpu#31: maps)",
    ),
    Case(
        "resize_bilinear_128to256",
        _keras(_resize((256, 256), "bilinear"), (128, 128, 3)),
        {"RESIZE_BILINEAR": False},
        "[table: ResizeBilinear] output side over 128 px (google-coral/edgetpu#31: a 2x upsampling to 512 stays on the CPU)",
    ),
    Case(
        "resize_nearest_128to256",
        _keras(_resize((256, 256), "nearest"), (128, 128, 3)),
        {"RESIZE_NEAREST_NEIGHBOR": False},
        "[table: ResizeNearestNeighbor] output side over 128 px (google-coral/edgetpu#187)",
    ),
    Case(
        "mean_z_6",
        _keras(lambda tf, x: tf.keras.layers.Lambda(lambda t: tf.reduce_mean(t, axis=3))(_conv(tf, x, 6)), (8, 8, 3)),
        {"MEAN": False},
        "Mean 13+: a z-reduction needs z a multiple of 4 (z = 6)",
    ),
    Case(
        "mean_z_8",
        _keras(lambda tf, x: tf.keras.layers.Lambda(lambda t: tf.reduce_mean(t, axis=3))(_conv(tf, x, 8)), (8, 8, 3)),
        {"MEAN": True},
        "Mean 13+: z = 8",
    ),
    Case(
        "strided_slice_step2",
        _keras(lambda tf, x: tf.keras.layers.Lambda(lambda t: t[:, ::2, ::2, :])(_conv(tf, x)), (8, 8, 3)),
        {"STRIDED_SLICE": False},
        "StridedSlice: all strides 1",
    ),
    Case(
        "softmax_over_3d",
        _keras(lambda tf, x: tf.keras.layers.Softmax(axis=-1)(_conv(tf, x)), (4, 4, 3)),
        {"SOFTMAX": False},
        "Softmax: 1-D input only",
    ),
    Case(
        "dilated_depthwise_runtime12",
        _keras(lambda tf, x: tf.keras.layers.DepthwiseConv2D(3, dilation_rate=2, padding="same")(x), (12, 12, 8)),
        {"DEPTHWISE_CONV_2D": False},
        "DepthwiseConv2d <=12: no dilated kernels",
        runtime=12,
    ),
    Case(
        "dilated_depthwise",
        _keras(lambda tf, x: tf.keras.layers.DepthwiseConv2D(3, dilation_rate=2, padding="same")(x), (12, 12, 8)),
        {"DEPTHWISE_CONV_2D": True},
        "DepthwiseConv2d 13+: same dilation in x and y",
    ),
]


def build_case(case: Case, out_dir: Path) -> Path:
    """Convert ``case`` to a full-integer int8 ``.tflite`` in ``out_dir``; returns its path."""
    if case.writer is not None:
        return case.writer(Path(out_dir) / f"{case.name}.tflite")
    import tensorflow as tf

    model, shape = case.build()
    rng = np.random.default_rng(0)

    def representative():
        for _ in range(8):
            yield [rng.uniform(-1, 1, (1, *shape)).astype(np.float32)]

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    path = Path(out_dir) / f"{case.name}.tflite"
    path.write_bytes(conv.convert())
    return path


def single_op_model(
    path: Path,
    op: str,
    inputs: list[tuple[tuple[int, ...], str, str] | None],
    outputs: list[tuple[tuple[int, ...], str]],
    version: int = 1,
    const_fill: int = 1,
) -> Path:
    """Write a one-op int8 ``.tflite`` straight from the schema (for ops the converter here cannot
    emit quantized, e.g. a fused int8 UNIDIRECTIONAL_SEQUENCE_LSTM: TF 2.21 lowers Keras LSTMs to
    WHILE loops and crashes calibrating the fused op). ``inputs``: ``(shape, dtype, kind)`` with kind
    ``"input"``, ``"const"`` or ``"variable"``, or None for an omitted optional input. The model is
    for the flatbuffer reader and the Edge TPU predictor; it is not meant to be run."""
    import flatbuffers
    from ai_edge_litert import schema_py_generated as s

    sizes = {"INT8": 1, "UINT8": 1, "INT16": 2, "INT32": 4, "FLOAT32": 4}
    buffers = [s.BufferT()]
    tensors, graph_inputs, op_inputs = [], [], []

    def add_tensor(shape, dtype, kind, name):
        t = s.TensorT()
        t.shape, t.type, t.name = list(shape), getattr(s.TensorType, dtype), name
        q = s.QuantizationParametersT()
        q.scale, q.zeroPoint = [0.02], [0]
        t.quantization = q
        t.buffer = 0
        if kind == "const":
            b = s.BufferT()
            b.data = list(np.full(int(np.prod(shape)) * sizes[dtype], const_fill, np.uint8))
            buffers.append(b)
            t.buffer = len(buffers) - 1
        t.isVariable = kind == "variable"
        tensors.append(t)
        return len(tensors) - 1

    for i, spec in enumerate(inputs):
        if spec is None:
            op_inputs.append(-1)
            continue
        idx = add_tensor(*spec, name=f"in{i}")
        op_inputs.append(idx)
        if spec[2] == "input":
            graph_inputs.append(idx)
    op_outputs = [add_tensor(shape, dtype, "output", f"out{i}") for i, (shape, dtype) in enumerate(outputs)]
    code = s.OperatorCodeT()
    code.builtinCode = getattr(s.BuiltinOperator, op)
    code.deprecatedBuiltinCode = min(code.builtinCode, 127)
    code.version = version
    operator = s.OperatorT()
    operator.opcodeIndex, operator.inputs, operator.outputs = 0, op_inputs, op_outputs
    sub = s.SubGraphT()
    sub.tensors, sub.inputs, sub.outputs, sub.operators = tensors, graph_inputs, op_outputs, [operator]
    model = s.ModelT()
    model.version, model.operatorCodes, model.subgraphs, model.buffers = 3, [code], [sub], buffers
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    path = Path(path)
    path.write_bytes(bytes(builder.Output()))
    return path


def lstm_model(path: Path, bidirectional: bool = False, time: int = 6, features: int = 4, units: int = 8) -> Path:
    """A fused int8 (UNI|BI)DIRECTIONAL_SEQUENCE_LSTM with TFLite's input layout: int8 activations and
    weights, int32 gate biases, an int8 output state and an int16 cell state (variables)."""
    w_in = ((units, features), "INT8", "const")
    w_rec = ((units, units), "INT8", "const")
    bias = ((units,), "INT32", "const")
    cell = [w_in] * 4 + [w_rec] * 4 + [None] * 3 + [bias] * 4 + [None, None]  # no peephole, no projection
    if not bidirectional:
        inputs = [((1, time, features), "INT8", "input"), *cell]
        inputs += [((1, units), "INT8", "variable"), ((1, units), "INT16", "variable")] + [None] * 4
        return single_op_model(path, "UNIDIRECTIONAL_SEQUENCE_LSTM", inputs, [((1, time, units), "INT8")], version=3)
    inputs = [((1, time, features), "INT8", "input"), *cell, *cell]
    inputs += [((1, units), "INT8", "variable"), ((1, units), "INT16", "variable")] * 2 + [None] * 9  # no aux input
    return single_op_model(path, "BIDIRECTIONAL_SEQUENCE_LSTM", inputs, [((1, time, 2 * units), "INT8")], version=3)
