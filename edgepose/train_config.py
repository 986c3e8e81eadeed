"""Training settings: one dataclass whose defaults are the only defaults (the CLI reads them).

No heavy imports: ``edgepose --help`` builds its options from here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class TrainConfig:
    model: str = "edgehrnet-t"
    input_size: tuple[int, int] = (96, 128)  # (width, height)
    epochs: int = 30
    batch_size: int = 32
    lr: float = 2e-3
    weight_decay: float = 1e-4
    warmup_epochs: float = 1.0
    sigma: float = 2.0
    codec: str = "gaussian"  # heatmap coordinate convention (edgepose.codec.CODECS); bundle the model with the same --codec
    seed: int = 0
    augment: str = "basic"  # basic (flip/scale/rotation) | strong (+ half-body, colour jitter, erasing)
    ohkm_topk: int = 0  # > 0: online hard keypoint mining, loss over each sample's top-k keypoints
    init: str = ""  # weights to start from: a .keras file of the same model (e.g. the shipped pretrained one)
    strategy: str = "default"  # default | mirrored | multiworker (tf.distribute)
    cpu_replicas: int = 0  # with "mirrored" on a CPU-only machine: split the CPU into this many devices
    pseudo_weight: float = 0.5  # loss weight of teacher pseudo-labels (annotations[].pseudo_keypoints)
    epoch_size: int = 0  # people per epoch (0: every person once on average); fixes the budget across data mixes
    teacher_weight: float = 0.0  # > 0: fill keypoints humans lack from annotations[].teacher_keypoints (weight x score)
    teacher_min_score: float = 0.3  # teacher points scoring less are left out
    box: str = "annotation"  # annotation | extent (person-extent box from the keypoints, as inference gets)
    box_jitter: float = 0.0  # detector-like box noise: centre +- jitter/2 x size (sd), sides x U(1 +- jitter)
