"""Runtime room: run edgepose and peer (MoveNet, PoseNet, BlazePose) TFLite pose models with numpy, OpenCV and LiteRT only.

Importing this package never imports TensorFlow.
"""

from .backend import BACKENDS, make_interpreter  # noqa: F401
from .estimator import ModelContract, Pose, PoseEstimator  # noqa: F401
from .peers import BlazePoseEstimator, MoveNetEstimator, PoseNetEstimator, open_pose_model  # noqa: F401
