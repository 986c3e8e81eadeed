"""Registry of model names -> builders. One new model is one new entry here."""

from __future__ import annotations

from typing import Any, Callable

from .._tf import import_tensorflow
from ..errors import EdgeposeError
from .specs import EdgeHRNetSpec, LiteHRNetSpec, PPTinyPoseSpec


def _edgehrnet(*args, **kwargs):
    from .edgehrnet import build_edgehrnet  # imports Keras: only when a model is built

    return build_edgehrnet(*args, **kwargs)


def _litehrnet(*args, **kwargs):
    from .litehrnet import build_litehrnet

    return build_litehrnet(*args, **kwargs)


def _pptinypose(*args, **kwargs):
    from .pptinypose import build_pptinypose

    return build_pptinypose(*args, **kwargs)


_SPECS: dict[str, tuple[Callable[..., Any], Any]] = {
    # Lite-HRNet as published (Yu et al., CVPR 2021): shuffle blocks with conditional channel weighting.
    "litehrnet-18": (_litehrnet, LiteHRNetSpec(stem=32, widths=(40, 80, 160, 320), modules=(2, 4, 2))),
    "litehrnet-30": (_litehrnet, LiteHRNetSpec(stem=32, widths=(40, 80, 160, 320), modules=(3, 8, 3))),
    # Edge-TPU-clean multi-resolution networks (conv, depthwise conv, add, ReLU6, nearest resize).
    # PaddleDetection's PP-TinyPose (Lite-HRNet-18 layout, naive shuffle blocks); published weights:
    # `edgepose import-pptinypose` (OpenVINO IR). Lowering for the Edge TPU: spec shuffle="interleave".
    "pptinypose": (_pptinypose, PPTinyPoseSpec()),
    # the same weights lowered for the Edge TPU: interleave shuffle, half-pixel head resizes (fine-tuned for them)
    "pptinypose-edgetpu": (_pptinypose, PPTinyPoseSpec(shuffle="interleave", head_resize="half_pixel")),
    "edgehrnet-t": (_edgehrnet, EdgeHRNetSpec(stem=16, widths=(24, 48, 96), modules=(1, 2), blocks=1)),
    # between t and s: three branches as t, s's widths, two blocks per branch (525 k parameters, 68 M MACs at 128x96)
    "edgehrnet-m": (_edgehrnet, EdgeHRNetSpec(stem=24, widths=(32, 64, 128), modules=(1, 2), blocks=2)),
    "edgehrnet-s": (_edgehrnet, EdgeHRNetSpec(stem=24, widths=(32, 64, 128, 256), modules=(1, 2, 2), blocks=2)),
}
MODEL_NAMES: tuple[str, ...] = tuple(_SPECS)


def model_spec(name: str) -> Any:
    if name not in _SPECS:
        raise EdgeposeError(f"unknown model '{name}'; choose one of: {', '.join(MODEL_NAMES)}")
    return _SPECS[name][1]


MAX_INPUT_SIDE = 1024  # a model input (person crop) side; 99999x99999 asked for 30 GB a crop


def check_input_size(input_size: tuple[int, int]) -> None:
    """Every branch down to stride 32 needs a whole grid: width and height multiples of 32."""
    w, h = input_size
    if w % 32 or h % 32 or w <= 0 or h <= 0:
        raise EdgeposeError(f"input size {h}x{w} (HxW) must be positive multiples of 32, e.g. 256x192 or 128x96")
    if w > MAX_INPUT_SIDE or h > MAX_INPUT_SIDE:
        raise EdgeposeError(f"input size {h}x{w} (HxW): each side at most {MAX_INPUT_SIDE} (pose crops are 128x96 to 384x288)")


def create_model(name: str, input_size: tuple[int, int], num_keypoints: int = 17, spec: Any = None):
    """Build model ``name`` for ``input_size`` = (width, height); both must be multiples of 32.
    ``spec`` replaces the registered spec (same architecture kind, e.g. another lowering)."""
    spec = spec if spec is not None else model_spec(name)
    check_input_size(input_size)
    import_tensorflow()
    builder = _SPECS[name][0]
    return builder(spec, input_size, num_keypoints, name=name)
