"""Option types the commands share (typer ``Annotated`` types): one flag name and one help text for the
options repeated across commands; each command gives the default (from :mod:`edgepose.defaults`)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..codecs.registry import codec_choices
from ..contract.normalization import NORMALIZATIONS

CODEC_CHOICES = codec_choices()  # the registry, for help texts
NORM_CHOICES = " | ".join(NORMALIZATIONS)

Force = Annotated[bool, typer.Option("--force", help="Overwrite what --out names (a file, or a folder that is not empty).")]
Threads = Annotated[int, typer.Option("--threads", help="CPU threads.")]
CodecWhenUnsaid = Annotated[
    Optional[str],
    typer.Option("--codec", help="Heatmap convention of a model whose file does not say: " + CODEC_CHOICES + "."),
]
NormWhenUnsaid = Annotated[
    Optional[str],
    typer.Option("--norm", help="Input normalisation of a heatmap model whose file does not say: " + NORM_CHOICES + "."),
]
