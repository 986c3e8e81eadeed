"""The table of model kinds: each adapter class registers itself (:func:`register_kind`) with a
tensor matcher, for pose models (edgepose-style heatmaps, MoveNet, PoseNet, BlazePose landmarks) and
person detectors (SSD with ``TFLite_Detection_PostProcess``, BlazePose's detector, YOLOX, PicoDet).

A new model family is one decorated class. :func:`kind_of` returns the first kind (by ``order``)
whose matcher accepts a loaded :class:`~edgepose.engine.model.Model`, or one error listing the
contracts. This module sits below the adapters (they import it; it imports none of them at load
time, only :data:`ADAPTER_MODULES` when the table is first read).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable, TypeVar

from ..engine.model import Model
from ..errors import EdgeposeError

ADAPTER_MODULES = ("edgepose.runtime.peers", "edgepose.runtime.estimator", "edgepose.runtime.detectors")
T = TypeVar("T", bound=type)


@dataclass(frozen=True)
class ModelKind:
    name: str
    role: str  # "pose" | "detector"
    contract: str  # one line for error messages
    matches: Callable[[Model], bool]
    adapter: type  # the registered class, called as adapter(model_path, model=..., ...)
    order: int  # kinds are tried in this order (a more general matcher gets a larger number)


_REGISTERED: dict[str, ModelKind] = {}


def register_kind(name: str, role: str, contract: str, matches: Callable[[Model], bool], order: int = 50) -> Callable[[T], T]:
    """Class decorator: the class becomes the adapter of kind ``name`` (``role`` pose or detector)."""

    def add(cls: T) -> T:
        if name in _REGISTERED:
            raise ValueError(f"model kind '{name}' is registered twice")
        _REGISTERED[name] = ModelKind(name, role, contract, matches, cls, order)
        return cls

    return add


def kinds() -> tuple[ModelKind, ...]:
    """Every registered kind, in matching order (the adapter modules are imported on first use)."""
    for module in ADAPTER_MODULES:
        importlib.import_module(module)
    return tuple(sorted(_REGISTERED.values(), key=lambda k: (k.order, k.name)))


def shapes(model: Model) -> list[list[int]]:
    """The output shapes of ``model``."""
    return [list(o.shape) for o in model.outputs]


def nhwc_image(model: Model) -> bool:
    """One NHWC 3-channel image input."""
    return len(model.inputs) == 1 and len(model.inputs[0].shape) == 4 and model.inputs[0].shape[-1] == 3


def image_layout(shape) -> tuple[bool, int, int]:
    """``(nchw, height, width)`` of a 4-D image input shape: NCHW when the channel axis (3) is second
    and not last, else NHWC."""
    s = [int(v) for v in shape]
    nchw = s[1] == 3 and s[3] != 3
    return (nchw, s[2], s[3]) if nchw else (nchw, s[1], s[2])


def image_input(model: Model) -> bool:
    """One 4-D 3-channel image input, NHWC or NCHW."""
    if len(model.inputs) != 1 or len(model.inputs[0].shape) != 4:
        return False
    shape = list(model.inputs[0].shape)
    return shape[-1] == 3 or shape[1] == 3


def kind_of(model: Model, role: str | None = None) -> ModelKind:
    """The first kind (of ``role``, when given) whose matcher accepts ``model``; else one error."""
    rows = [k for k in kinds() if role is None or k.role == role]
    for kind in rows:
        if kind.matches(model):
            return kind
    what = {"pose": "pose model", "detector": "person detector", None: "model"}[role]
    raise EdgeposeError(
        f"{model.name}: not a supported {what} ({model.describe()}); supported: {'; '.join(k.contract for k in rows)}"
    )
