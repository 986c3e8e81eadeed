"""The one table of model kinds: a tensor matcher and an adapter per kind, for pose models
(edgepose-style heatmaps, MoveNet, PoseNet, BlazePose landmarks) and person detectors (SSD with
``TFLite_Detection_PostProcess``, BlazePose's detector).

A new model family is one new row here. :func:`kind_of` returns the first row whose matcher
accepts a loaded :class:`~edgepose.engine.model.Model`, or one error listing the contracts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..engine.model import Model
from ..errors import EdgeposeError


@dataclass(frozen=True)
class ModelKind:
    name: str
    role: str  # "pose" | "detector"
    contract: str  # one line for error messages
    matches: Callable[[Model], bool]
    adapter_name: str  # "module:Class" under edgepose.runtime, imported when used

    @property
    def adapter(self):
        import importlib

        module, cls = self.adapter_name.split(":")
        return getattr(importlib.import_module(f"edgepose.runtime.{module}"), cls)


def _shapes(model: Model) -> list[list[int]]:
    return [list(o.shape) for o in model.outputs]


def _nhwc_image(model: Model) -> bool:
    return len(model.inputs) == 1 and len(model.inputs[0].shape) == 4 and model.inputs[0].shape[-1] == 3


def _heatmaps(model: Model) -> bool:
    from .estimator import heatmap_tensors

    return heatmap_tensors(model) is not None


def _movenet(model: Model) -> bool:
    return _nhwc_image(model) and _shapes(model) == [[1, 1, 17, 3]]


def _posenet(model: Model) -> bool:
    return _nhwc_image(model) and {17, 34} <= {s[-1] for s in _shapes(model) if len(s) == 4}


def _blazepose(model: Model) -> bool:
    return _nhwc_image(model) and [1, 195] in _shapes(model)


def _ssd(model: Model) -> bool:
    s = _shapes(model)
    return (
        _nhwc_image(model)
        and len(s) == 4
        and sum(len(x) == 3 and x[-1] == 4 for x in s) == 1
        and sum(len(x) == 2 for x in s) == 2
        and [1] in s
    )


def _blazepose_detector(model: Model) -> bool:
    s = _shapes(model)
    return (
        _nhwc_image(model)
        and len(s) == 2
        and any(len(x) == 3 and x[-1] == 12 for x in s)
        and any(len(x) == 3 and x[-1] == 1 for x in s)
    )


def image_layout(shape) -> tuple[bool, int, int]:
    """``(nchw, height, width)`` of a 4-D image input shape: NCHW when the channel axis (3) is second
    and not last, else NHWC."""
    s = [int(v) for v in shape]
    nchw = s[1] == 3 and s[3] != 3
    return (nchw, s[2], s[3]) if nchw else (nchw, s[1], s[2])


def _image_input(model: Model) -> bool:
    """One 4-D 3-channel image input, NHWC or NCHW."""
    if len(model.inputs) != 1 or len(model.inputs[0].shape) != 4:
        return False
    shape = list(model.inputs[0].shape)
    return shape[-1] == 3 or shape[1] == 3


def _yolox(model: Model) -> bool:
    from .detectors import yolox_anchor_count

    s = _shapes(model)
    if not _image_input(model) or len(s) != 1 or len(s[0]) != 3 or s[0][-1] < 6:
        return False
    _, h, w = image_layout(model.inputs[0].shape)
    return s[0][1] == yolox_anchor_count(h, w)


def _yolox_heads(model: Model) -> bool:
    from .detectors import yolox_head_outputs

    return _image_input(model) and yolox_head_outputs(model) is not None


def _picodet(model: Model) -> bool:
    s = _shapes(model)
    if not _image_input(model) or len(s) != 2:
        return False
    boxes = [x for x in s if len(x) == 3 and x[-1] == 4]
    scores = [x for x in s if len(x) == 3 and x[-1] != 4]
    return len(boxes) == 1 and len(scores) == 1 and scores[0][2] == boxes[0][1]


KINDS: tuple[ModelKind, ...] = (
    ModelKind("movenet", "pose", "MoveNet [1,1,17,3]", _movenet, "peers:MoveNetEstimator"),
    ModelKind("posenet", "pose", "PoseNet heatmaps+offsets (17+34 channels)", _posenet, "peers:PoseNetEstimator"),
    ModelKind("blazepose", "pose", "BlazePose landmarks [1,195]", _blazepose, "peers:BlazePoseEstimator"),
    # last among pose kinds: PoseNet's 17-channel heatmap output would match it too
    ModelKind(
        "heatmaps",
        "pose",
        "heatmaps [1,h,w,17] or [1,17,h,w] (edgepose, PP-TinyPose, mmpose exports)",
        _heatmaps,
        "estimator:PoseEstimator",
    ),
    ModelKind(
        "ssd",
        "detector",
        "SSD with TFLite_Detection_PostProcess (outputs boxes [1,N,4], classes [1,N], scores [1,N], count [1])",
        _ssd,
        "detectors:SsdDetector",
    ),
    ModelKind(
        "blazepose-detector",
        "detector",
        "BlazePose pose_detection (outputs regressors [1,A,12], score logits [1,A,1])",
        _blazepose_detector,
        "detectors:BlazePoseDetector",
    ),
    ModelKind(
        "yolox",
        "detector",
        "YOLOX grid output [1,A,5+C] over strides 8/16/32 (BGR 0..255, top-left letterbox, pad 114)",
        _yolox,
        "detectors:YoloxDetector",
    ),
    ModelKind(
        "yolox-heads",
        "detector",
        "YOLOX cut at its heads: per stride 8/16/32 boxes [h,w,4] + score logits [h,w,2] (edgepose convert of a YOLOX export)",
        _yolox_heads,
        "detectors:YoloxHeadsDetector",
    ),
    ModelKind(
        "picodet",
        "detector",
        "PP-PicoDet without NMS: boxes [1,A,4] x1y1x2y2 + scores [1,C,A] (RGB, ImageNet mean/std, stretched)",
        _picodet,
        "detectors:PicoDetDetector",
    ),
)


def kind_of(model: Model, role: str | None = None) -> ModelKind:
    """The first kind (of ``role``, when given) whose matcher accepts ``model``; else one error."""
    rows = [k for k in KINDS if role is None or k.role == role]
    for kind in rows:
        if kind.matches(model):
            return kind
    what = {"pose": "pose model", "detector": "person detector", None: "model"}[role]
    raise EdgeposeError(
        f"{model.name}: not a supported {what} ({model.describe()}); supported: {'; '.join(k.contract for k in rows)}"
    )
