"""Edge TPU room: offline compatibility prediction from the flatbuffer, and the real compiler when present."""

from .check import compiled_cpu_ops, edgetpu_check, edgetpu_markdown  # noqa: F401
from .compiler import compile_edgetpu  # noqa: F401
