"""Heatmap codecs, one a module, registered by name (as mmpose's ``codecs/``): ``gaussian``
(centre-aligned), ``udp``, ``msra``; refinements ``dark``, ``quarter``, ``none``. numpy and OpenCV only."""

# the import order is the registry's order (gaussian, udp, msra): keep it
# isort: off
from .base import HeatmapCodec
from .gaussian import GaussianHeatmapCodec
from .udp import UDPHeatmapCodec
from .msra import MSRAHeatmapCodec
from .refine import REFINEMENTS, refinement, register_refinement
from .registry import CODEC_ALIASES, CODECS, check_codec_name, codec_choices, codec_class, register_codec

# isort: on

__all__ = [
    "CODECS", "CODEC_ALIASES", "REFINEMENTS", "GaussianHeatmapCodec", "HeatmapCodec", "MSRAHeatmapCodec",
    "UDPHeatmapCodec", "check_codec_name", "codec_choices", "codec_class", "refinement", "register_codec",
    "register_refinement",
]  # fmt: skip
