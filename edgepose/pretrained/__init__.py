"""Pretrained weights shipped with the package (see ``MODEL_CARD.md`` beside this file).

``pretrained_keras(name)`` is the ``.keras`` checkpoint to fine-tune from (``edgepose train
--init pretrained``); ``pretrained_tflite(name)`` the int8 TFLite model for the runtime
(``edgepose predict pretrained`` takes :data:`PREDICT`, ``pretrained:NAME`` another tier);
``pretrained_detector()`` the int8 person detector (YOLOX-nano, Apache-2.0: ``LICENSE-YOLOX.txt``
and ``NOTICE`` beside it) that ``edgepose predict`` uses unless told otherwise.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import EdgeposeError

HERE = Path(__file__).resolve().parent
DEFAULT = "edgehrnet-m"  # the fast tier: the examples and the tests use it (small, quick to train)
PREDICT = "pptinypose"  # the accurate tier: what `edgepose predict pretrained` runs
SHIPPED = {
    # registry name -> (keras file, int8 tflite file)
    "pptinypose": ("pptinypose_coco17.keras", "pptinypose_coco17_int8.tflite"),  # CPU form (5-D shuffle)
    # the Edge TPU form: interleave shuffle, half-pixel head resizes (its head fine-tuned for them): 100 % on the TPU
    "pptinypose-edgetpu": ("pptinypose-edgetpu_coco17.keras", "pptinypose-edgetpu_coco17_int8.tflite"),
    "edgehrnet-m": ("edgehrnet-m_coco17.keras", "edgehrnet-m_coco17_int8.tflite"),
}


DETECTOR = "yolox_nano_person_int8.tflite"  # benchmarks/detector/ship.sh


def pretrained_detector() -> Path:
    """The shipped int8 person detector (kind ``yolox-heads``)."""
    path = HERE / DETECTOR
    if not path.is_file():
        raise EdgeposeError(f"pretrained detector missing from this installation: {path}")
    return path


def _shipped(name: str, which: int) -> Path:
    if name not in SHIPPED:
        raise EdgeposeError(f"no pretrained weights ship for '{name}'; available: {', '.join(SHIPPED)}")
    path = HERE / SHIPPED[name][which]
    if not path.is_file():
        raise EdgeposeError(f"pretrained file missing from this installation: {path}")
    return path


def pretrained_keras(name: str = DEFAULT) -> Path:
    return _shipped(name, 0)


def pretrained_tflite(name: str = DEFAULT) -> Path:
    return _shipped(name, 1)
