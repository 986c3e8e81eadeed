"""The model contract's one home: what a pose model takes and how its heatmaps are read.

One versioned schema (:class:`Contract`: codec name, sigma, refinement and pixel formula; input size,
layout, pixels and normalisation; keypoints; flip pairs; how it was trained), one strict parser
(:func:`parse_contract`: a damaged contract is one EdgeposeError naming the field and the file, in every
command that reads it), its carriers (``.keras`` zip member, ONNX ``metadata_props``, the TFLite metadata
JSON: :mod:`.carriers`), and the resolved view the runtime decodes with (:class:`ModelContract`).

The low floor: the standard library plus the codec registry; no TensorFlow, no LiteRT, no ONNX. Train
builds a :class:`Contract`, quantize and convert embed it, the runtime, bench, bundle and the mobile test
vectors read it back through :func:`parse_contract`.
"""

from .carriers import (
    KERAS_MEMBER,
    ONNX_CONTRACT_KEY,
    ONNX_INPUT_KEY,
    contract_from_json,
    contract_json,
    onnx_metadata,
    read_keras_contract,
    read_onnx_contract,
    write_keras_contract,
)
from .normalization import NORMALIZATIONS, normalization, unit_mean_std
from .resolved import ModelContract, check_codec, read_paddle_config
from .schema import CONTRACT_FORMAT, READABLE_FORMATS, Contract, TensorFacts, parse_contract

__all__ = [
    "CONTRACT_FORMAT",
    "KERAS_MEMBER",
    "NORMALIZATIONS",
    "ONNX_CONTRACT_KEY",
    "ONNX_INPUT_KEY",
    "READABLE_FORMATS",
    "Contract",
    "ModelContract",
    "TensorFacts",
    "check_codec",
    "contract_from_json",
    "contract_json",
    "normalization",
    "onnx_metadata",
    "parse_contract",
    "read_keras_contract",
    "read_onnx_contract",
    "read_paddle_config",
    "unit_mean_std",
    "write_keras_contract",
]
