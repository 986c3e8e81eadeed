"""Runtime room: run edgepose and peer (MoveNet, PoseNet, BlazePose, heatmap ONNX/OpenVINO) pose models
with numpy, OpenCV and LiteRT only (ONNX Runtime / OpenVINO when such a file is opened).

Importing this package never imports TensorFlow, nor the train/data/quantize/bundle rooms.
"""

from ..engine.model import BACKENDS, Model, open_model  # noqa: F401
from .estimator import ModelContract, Pose, PoseEstimator  # noqa: F401
from .kinds import kind_of, kinds  # noqa: F401
from .peers import BlazePoseEstimator, MoveNetEstimator, PoseNetEstimator, open_pose_model  # noqa: F401
