"""Read a ``.tflite`` flatbuffer into plain Python (no TensorFlow, no interpreter).

Uses the schema bindings that ship with LiteRT (``ai_edge_litert.schema_py_generated``) and
the ``flatbuffers`` runtime it depends on. Only the main subgraph is described.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import EdgeposeError, missing_file

SMALL_CONSTANT_BYTES = 65536
_NUMPY_DTYPES = {
    "INT8": np.int8, "UINT8": np.uint8, "INT16": np.int16, "INT32": np.int32, "INT64": np.int64,
    "FLOAT32": np.float32, "FLOAT16": np.float16, "BOOL": np.bool_,
}  # fmt: skip


@dataclass
class TensorInfo:
    index: int
    name: str
    shape: tuple[int, ...]
    shape_signature: tuple[int, ...]  # -1 marks a dynamic dimension
    dtype: str  # "INT8", "UINT8", "FLOAT32", ...
    constant: bool  # backed by a buffer with data (weights, biases, shapes)
    scale: tuple[float, ...] = ()
    zero_point: tuple[int, ...] = ()
    variable: bool = False  # a state tensor the op writes (LSTM states), not an activation
    values: Any = None  # numpy array of a small constant (<= 64 KiB: axes, paddings, strides), else None

    @property
    def quantized(self) -> bool:
        return bool(self.scale)


@dataclass
class OpInfo:
    index: int
    name: str  # builtin name (CONV_2D) or the custom code (edgetpu-custom-op)
    custom: bool
    version: int
    inputs: list[int]
    outputs: list[int]
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class ModelGraph:
    path: Path
    ops: list[OpInfo]
    tensors: list[TensorInfo]
    inputs: list[int]
    outputs: list[int]
    subgraphs: int
    size_bytes: int

    def tensor(self, index: int) -> TensorInfo | None:
        return self.tensors[index] if 0 <= index < len(self.tensors) else None


def tflite_schema():
    """The LiteRT flatbuffer schema bindings (``ai_edge_litert.schema_py_generated``)."""
    try:
        from ai_edge_litert import schema_py_generated as schema
    except ImportError:  # pragma: no cover - ai-edge-litert is a core dependency
        raise EdgeposeError("reading .tflite files needs ai-edge-litert: pip install ai-edge-litert") from None
    return schema


def _enum_names(enum_cls) -> dict[int, str]:
    return {v: k for k, v in vars(enum_cls).items() if not k.startswith("_") and isinstance(v, int)}


def read_tflite(path: str | Path) -> ModelGraph:
    """Parse ``path``; a missing, truncated or non-TFLite file raises one clear EdgeposeError."""
    p = Path(path)
    if not p.is_file():
        raise missing_file(p)
    data = p.read_bytes()
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise EdgeposeError(f"{p} is not a TFLite model (no 'TFL3' flatbuffer identifier)")
    schema = tflite_schema()
    try:
        return _parse(schema, p, data)
    except EdgeposeError:
        raise
    except Exception:  # flatbuffers reads past the end of a truncated file
        raise EdgeposeError(
            f"{p} is truncated or corrupt: the flatbuffer points past the end of the file ({len(data)} bytes)"
        ) from None


def _parse(schema, p: Path, data: bytes) -> ModelGraph:
    model = schema.Model.GetRootAs(data, 0)
    builtin_names = _enum_names(schema.BuiltinOperator)
    dtype_names = _enum_names(schema.TensorType)
    codes = []
    for i in range(model.OperatorCodesLength()):
        code = model.OperatorCodes(i)
        builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
        custom = code.CustomCode()
        if builtin == schema.BuiltinOperator.CUSTOM or custom:
            codes.append(((custom or b"custom").decode("utf-8", "replace"), True, code.Version()))
        else:
            codes.append((builtin_names.get(builtin, f"BUILTIN_{builtin}"), False, code.Version()))
    if model.SubgraphsLength() < 1:
        raise EdgeposeError(f"{p} has no subgraph")
    graph = model.Subgraphs(0)

    def has_data(buffer_index: int) -> bool:
        if buffer_index <= 0 or buffer_index >= model.BuffersLength():
            return False
        buf = model.Buffers(buffer_index)
        return buf.DataLength() > 0 or buf.Size() > 0

    def small_values(buffer_index: int, dtype: str, shape: tuple[int, ...]):
        buf = model.Buffers(buffer_index)
        np_dtype = _NUMPY_DTYPES.get(dtype)
        if np_dtype is None:
            return None
        if buf.DataLength():
            if buf.DataLength() > SMALL_CONSTANT_BYTES:
                return None
            raw = buf.DataAsNumpy().tobytes()
        elif 0 < buf.Size() <= SMALL_CONSTANT_BYTES and buf.Offset() + buf.Size() <= len(data):
            raw = data[buf.Offset() : buf.Offset() + buf.Size()]
        else:
            return None
        arr = np.frombuffer(raw, dtype=np_dtype)
        n = int(np.prod(shape)) if shape else 1
        return arr.reshape(shape) if arr.size == n else arr

    tensors = []
    for i in range(graph.TensorsLength()):
        t = graph.Tensors(i)
        shape = tuple(int(v) for v in t.ShapeAsNumpy()) if t.ShapeLength() else ()
        signature = tuple(int(v) for v in t.ShapeSignatureAsNumpy()) if t.ShapeSignatureLength() else shape
        q = t.Quantization()
        scale = tuple(float(v) for v in q.ScaleAsNumpy()) if q is not None and q.ScaleLength() else ()
        zero = tuple(int(v) for v in q.ZeroPointAsNumpy()) if q is not None and q.ZeroPointLength() else ()
        dtype = dtype_names.get(t.Type(), str(t.Type()))
        tensors.append(
            TensorInfo(
                index=i,
                name=(t.Name() or b"").decode("utf-8", "replace"),
                shape=shape,
                shape_signature=signature,
                dtype=dtype,
                constant=has_data(t.Buffer()),
                scale=scale,
                zero_point=zero,
                variable=bool(t.IsVariable()),
                values=small_values(t.Buffer(), dtype, shape) if has_data(t.Buffer()) else None,
            )
        )
    ops = []
    for i in range(graph.OperatorsLength()):
        op = graph.Operators(i)
        name, custom, version = codes[op.OpcodeIndex()]
        ops.append(
            OpInfo(
                index=i,
                name=name,
                custom=custom,
                version=version,
                inputs=[int(v) for v in op.InputsAsNumpy()] if op.InputsLength() else [],
                outputs=[int(v) for v in op.OutputsAsNumpy()] if op.OutputsLength() else [],
                options=_options(schema, op, name),
            )
        )
    return ModelGraph(
        path=p,
        ops=ops,
        tensors=tensors,
        inputs=[int(v) for v in graph.InputsAsNumpy()] if graph.InputsLength() else [],
        outputs=[int(v) for v in graph.OutputsAsNumpy()] if graph.OutputsLength() else [],
        subgraphs=model.SubgraphsLength(),
        size_bytes=len(data),
    )


_OPTION_FIELDS = {
    # op name -> (options class, {key: getter}); only what the Edge TPU rules read
    "RESIZE_BILINEAR": ("ResizeBilinearOptions", {"align_corners": "AlignCorners", "half_pixel_centers": "HalfPixelCenters"}),
    "RESIZE_NEAREST_NEIGHBOR": (
        "ResizeNearestNeighborOptions",
        {"align_corners": "AlignCorners", "half_pixel_centers": "HalfPixelCenters"},
    ),
    "CONV_2D": (
        "Conv2DOptions",
        {
            "stride_h": "StrideH",
            "stride_w": "StrideW",
            "dilation_h": "DilationHFactor",
            "dilation_w": "DilationWFactor",
            "fused_activation": "FusedActivationFunction",
        },
    ),
    "DEPTHWISE_CONV_2D": (
        "DepthwiseConv2DOptions",
        {
            "stride_h": "StrideH",
            "stride_w": "StrideW",
            "dilation_h": "DilationHFactor",
            "dilation_w": "DilationWFactor",
            "fused_activation": "FusedActivationFunction",
        },
    ),
    "CONCATENATION": ("ConcatenationOptions", {"axis": "Axis", "fused_activation": "FusedActivationFunction"}),
    "AVERAGE_POOL_2D": ("Pool2DOptions", {"fused_activation": "FusedActivationFunction"}),
    "MAX_POOL_2D": ("Pool2DOptions", {"fused_activation": "FusedActivationFunction"}),
    "PACK": ("PackOptions", {"axis": "Axis"}),
    "FULLY_CONNECTED": ("FullyConnectedOptions", {"weights_format": "WeightsFormat", "keep_num_dims": "KeepNumDims"}),
    "STRIDED_SLICE": (
        "StridedSliceOptions",
        {"ellipsis_mask": "EllipsisMask", "new_axis_mask": "NewAxisMask", "shrink_axis_mask": "ShrinkAxisMask"},
    ),
    "MEAN": ("ReducerOptions", {"keep_dims": "KeepDims"}),
    "SUM": ("ReducerOptions", {"keep_dims": "KeepDims"}),
    "REDUCE_MAX": ("ReducerOptions", {"keep_dims": "KeepDims"}),
    "REDUCE_MIN": ("ReducerOptions", {"keep_dims": "KeepDims"}),
}


def _options(schema, op, name: str) -> dict[str, Any]:
    """The builtin options the Edge TPU rules read (resize flags, dilation, fused activations,
    axes, masks); plain Python values keyed as in ``_OPTION_FIELDS``."""
    table = op.BuiltinOptions()
    spec = _OPTION_FIELDS.get(name)
    if table is None or spec is None:
        return {}
    cls_name, getters = spec
    opts = getattr(schema, cls_name)()
    opts.Init(table.Bytes, table.Pos)
    values = {key: getattr(opts, getter)() for key, getter in getters.items()}
    for key in ("align_corners", "half_pixel_centers", "keep_num_dims", "keep_dims"):
        if key in values:
            values[key] = bool(values[key])
    return values
