"""Training settings: one dataclass whose defaults are the only defaults (the CLI reads them).

No heavy imports: ``edgepose --help`` builds its options from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from .defaults import CODEC, INPUT_SIZE, SIGMA
from .errors import EdgeposeError

AUGMENT_NAMES = ("basic", "strong")
BOXES = ("annotation", "extent")


@dataclass
class TrainConfig:
    model: str = "edgehrnet-t"
    input_size: tuple[int, int] = INPUT_SIZE  # (width, height)
    epochs: int = 30
    batch_size: int = 32
    lr: float = 2e-3
    weight_decay: float = 1e-4
    warmup_epochs: float = 1.0
    sigma: float = SIGMA
    codec: str = CODEC  # heatmap coordinate convention (edgepose.codec.CODECS); bundle the model with the same --codec
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
    soft_teacher: str = ""  # a heatmap teacher model file: its heatmaps (run on each training crop) blend into the targets
    soft_alpha: float = 0.5  # target = (1 - soft_alpha) x Gaussian + soft_alpha x teacher heatmap
    box_jitter: float = 0.0  # detector-like box noise: centre +- jitter/2 x size (sd), sides x U(1 +- jitter)
    qat: bool = False  # int8 quantizer in the loop (per-channel weights, per-tensor activations as TFLite): fine-tune for int8
    qat_calib_batches: int = 4  # batches whose activations set the quantizer ranges at each epoch start (qat)
    truncate: float = 0.0  # probability of a partly seen person: box cut at a random line (data.samples.truncate_person)

    def check(self) -> None:
        """Every setting in its range, before any work starts; errors name the parameter."""
        from .codecs import check_codec_name

        if self.epochs < 1 or self.batch_size < 1:
            raise EdgeposeError("`epochs` and `batch_size` must be at least 1")
        if not self.lr > 0 or self.weight_decay < 0:
            raise EdgeposeError(f"`lr` must be > 0 and `weight_decay` >= 0, got {self.lr} and {self.weight_decay}")
        try:
            check_codec_name(self.codec)
        except ValueError as exc:
            raise EdgeposeError(str(exc).replace("unknown codec", "unknown `codec`", 1)) from None
        if self.augment not in AUGMENT_NAMES:
            raise EdgeposeError(f"unknown augmentation '{self.augment}'; choose one of: {', '.join(AUGMENT_NAMES)}")
        if not 0 <= self.ohkm_topk <= 17:
            raise EdgeposeError(f"`ohkm_topk` takes 0 (off) to 17 keypoints, not {self.ohkm_topk}")
        if not 0.0 <= self.pseudo_weight <= 1.0:
            raise EdgeposeError(f"`pseudo_weight` must be in [0, 1], got {self.pseudo_weight}")
        if self.teacher_weight < 0 or not 0.0 <= self.teacher_min_score <= 1.0 or not 0.0 <= self.box_jitter < 1.0:
            raise EdgeposeError(
                f"`teacher_weight` must be >= 0, `teacher_min_score` in [0, 1] and `box_jitter` in [0, 1); got "
                f"{self.teacher_weight}, {self.teacher_min_score}, {self.box_jitter}"
            )
        if not 0.0 <= self.truncate <= 1.0:
            raise EdgeposeError(f"`truncate` must be a probability in [0, 1], got {self.truncate}")
        if not 0.0 <= self.soft_alpha <= 1.0:
            raise EdgeposeError(f"`soft_alpha` must be in [0, 1], got {self.soft_alpha}")
        if self.box not in BOXES:
            raise EdgeposeError(f"`box` must be one of {', '.join(BOXES)}, got '{self.box}'")
        if self.qat_calib_batches < 1:
            raise EdgeposeError(f"`qat_calib_batches` must be at least 1, got {self.qat_calib_batches}")
        if self.epoch_size < 0:
            raise EdgeposeError(f"`epoch_size` must be >= 0, got {self.epoch_size}")
