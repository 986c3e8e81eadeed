"""edgepose: 2D human pose estimation from training to the device.

Rooms (one-way data flow): ``keypoints`` -> ``codec``/``transforms`` -> ``data`` -> ``models``
-> ``train`` -> ``quantize`` -> ``runtime`` -> ``evaluate``/``bench`` -> ``pipeline``; ``cli``
is a thin typer layer over them. Importing ``edgepose`` is cheap (no TensorFlow).
"""

__version__ = "0.1.0"
