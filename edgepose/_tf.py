"""Quiet, lazy TensorFlow import for the commands that need it (train, quantize, models).

TensorFlow 2.21 writes several C++ log lines to stderr at import time that no environment
variable silences; a user should see one clean line per problem, so the import runs with
file descriptor 2 pointed at /dev/null.
"""

from __future__ import annotations

import os
import sys

from ._quiet import quiet_stderr
from .errors import EdgeposeError


def import_tensorflow():
    """Import and return ``tensorflow`` (and Keras) quietly; a missing install is an EdgeposeError."""
    tf = sys.modules.get("tensorflow")
    if tf is not None:
        return tf
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        with quiet_stderr():
            import keras  # noqa: F401
            import tensorflow as tf

            tf.config.list_physical_devices()  # device discovery logs a CUDA probe failure on CPU machines
    except ImportError:
        raise EdgeposeError("this command needs TensorFlow: pip install -c constraints.txt 'edgepose[train]'") from None
    import absl.logging

    absl.logging.set_verbosity(absl.logging.ERROR)
    return tf
