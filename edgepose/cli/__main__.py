"""``python -m edgepose.cli``."""

from .common import main

main()
