"""Strict checks of single contract fields (numpy-free): the parser (:mod:`.schema`) passes every field
through here, so a damaged contract is one EdgeposeError naming the field and the file, in every command
that reads it, instead of a silent fallback or a traceback later (a negative sigma reached OpenCV;
``"sigma": "abc"`` failed after a conversion)."""

from __future__ import annotations

import math
from typing import Any

from ..errors import EdgeposeError


def quoted(field: str) -> str:
    """A contract field as messages name it: its JSON path in double quotes (backquotes would read as a
    command's flag on the CLI: `format` is not --format)."""
    return f'"{field}"'


def number(value: Any, field: str, where: str, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise EdgeposeError(f"{where}: damaged contract: {quoted(field)} must be a finite number, not {value!r}")
    if positive and value <= 0:
        raise EdgeposeError(f"{where}: damaged contract: {quoted(field)} must be > 0, not {value!r}")
    return float(value)


def check_codec_fields(codec: Any, where: str, field: str = "codec") -> dict[str, Any]:
    """``{"name", "sigma"?, "refine"?}`` of a contract's codec entry, checked: a registered codec name,
    a positive finite sigma, a registered refinement. Raises EdgeposeError naming ``field`` and ``where``."""
    from ..codecs.registry import check_codec_name

    if not isinstance(codec, dict):
        raise EdgeposeError(f"{where}: damaged contract: {quoted(field)} must be an object with a name, not {codec!r}"[:300])
    name = codec.get("name")
    if not isinstance(name, str):
        raise EdgeposeError(f"{where}: damaged contract: {quoted(field + '.name')} must be a codec name, not {name!r}")
    try:
        out: dict[str, Any] = {"name": check_codec_name(name)}
    except ValueError as exc:
        raise EdgeposeError(f"{where}: damaged contract: {quoted(field + '.name')}: {exc}") from None
    if "sigma" in codec:
        out["sigma"] = number(codec["sigma"], f"{field}.sigma", where, positive=True)
    if "refine" in codec:
        from ..codecs.refine import REFINEMENTS

        if codec["refine"] not in REFINEMENTS:
            raise EdgeposeError(
                f"{where}: damaged contract: {quoted(field + '.refine')} {codec['refine']!r} is not one of "
                + ", ".join(REFINEMENTS)
            )
        out["refine"] = codec["refine"]
    return out


def check_normalization_fields(norm: Any, where: str, field: str = "input.normalization") -> dict[str, Any]:
    """``{"pixel_scale", "mean", "std"}`` checked: three finite means, three positive stds."""
    if not isinstance(norm, dict):
        raise EdgeposeError(f"{where}: damaged contract: {quoted(field)} must be an object, not {norm!r}"[:300])
    out: dict[str, Any] = {"pixel_scale": number(norm.get("pixel_scale", 1.0), f"{field}.pixel_scale", where, True)}
    for key, positive in (("mean", False), ("std", True)):
        values = norm.get(key)
        if not isinstance(values, (list, tuple)) or len(values) != 3:
            raise EdgeposeError(f"{where}: damaged contract: {quoted(field + '.' + key)} must be 3 numbers, not {values!r}"[:300])
        out[key] = tuple(number(v, f"{field}.{key}", where, positive) for v in values)
    return out
