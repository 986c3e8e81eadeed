"""Runtime room: run edgepose (and later peer) TFLite pose models with numpy, OpenCV and LiteRT only.

Importing this package never imports TensorFlow.
"""

from .backend import BACKENDS, make_interpreter  # noqa: F401
from .estimator import ModelContract, Pose, PoseEstimator  # noqa: F401
