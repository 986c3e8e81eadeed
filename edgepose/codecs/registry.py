"""The codec registry (as mmpose's ``KEYPOINT_CODECS``): ``@register_codec("name")`` on a class, one
name check (:func:`check_codec_name`), and the names the CLI help lists (:func:`codec_choices`)."""

from __future__ import annotations

from typing import Callable, TypeVar

CODECS: dict[str, type] = {}
CODEC_ALIASES: dict[str, str] = {}  # older names still read from contracts
T = TypeVar("T", bound=type)


def register_codec(name: str, aliases: tuple[str, ...] = ()) -> Callable[[T], T]:
    """Class decorator: the codec becomes ``CODECS[name]`` (and each alias resolves to it)."""

    def add(cls: T) -> T:
        if name in CODECS:
            raise ValueError(f"codec '{name}' is registered twice")
        CODECS[name] = cls
        cls.name = name
        for alias in aliases:
            CODEC_ALIASES[alias] = name
        return cls

    return add


def check_codec_name(name: str) -> str:
    """The registry name for ``name`` (an alias resolves); an unknown name is one ``ValueError``
    listing the registered ones (the one name check; callers turn it into their own error type)."""
    key = CODEC_ALIASES.get(name, name)
    if key not in CODECS:
        raise ValueError(f"unknown codec '{name}'; choose one of: {', '.join(CODECS)}")
    return key


def codec_class(name: str) -> type:
    """The registered class of ``name`` (an alias resolves; an unknown name: one ValueError listing the registry)."""
    return CODECS[check_codec_name(name)]


def codec_choices(separator: str = " | ") -> str:
    """``gaussian | udp | msra``: the registered names, for help texts."""
    return separator.join(CODECS)
