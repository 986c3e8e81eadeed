"""Model room: a registry of pose networks (``create_model(name, input_size)``) and model info.

Models take ``float32 [N, H, W, 3]`` RGB in ``[0, 255]`` (normalisation is inside the
model, so an int8 model's input is the raw pixels) and return heatmaps
``float32 [N, H/4, W/4, 17]``.
"""

from .registry import MODEL_NAMES, check_input_size, create_model, model_spec  # noqa: F401
