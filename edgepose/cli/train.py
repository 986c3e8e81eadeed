"""``edgepose pipeline`` and ``edgepose train``."""

from __future__ import annotations

from pathlib import Path

import typer

from ..errors import EdgeposeError
from ..pipeline_config import PipelineConfig
from ..train_config import TrainConfig
from .common import RichReporter, app, command, out_console, parse_size, resolve_init
from .options import CODEC_CHOICES, Force

_TRAIN = TrainConfig()  # training defaults live in one place: the config dataclasses
_PIPE = PipelineConfig()




def _size_text(size: tuple[int, int]) -> str:
    """(width, height) -> 'HxW', as --input takes it."""
    return f"{size[1]}x{size[0]}"


@command(app, "pipeline")
def pipeline(
    out: Path = typer.Option(Path("runs/pipeline"), "--out", help="Report folder (must be empty unless --force)."),
    model: str = typer.Option(_PIPE.model, "--model", help="Registry model name."),
    input_size: str = typer.Option(_size_text(_PIPE.input_size), "--input", help="Model input HEIGHTxWIDTH (multiples of 32)."),
    n_train: int = typer.Option(_PIPE.n_train, "--n-train", help="Synthetic training images."),
    n_val: int = typer.Option(_PIPE.n_val, "--n-val", help="Synthetic validation images."),
    epochs: int = typer.Option(_PIPE.epochs, "--epochs"),
    batch_size: int = typer.Option(_PIPE.batch_size, "--batch"),
    calib_size: int = typer.Option(_PIPE.calib_size, "--calib-size", help="Calibration crops for int8."),
    seed: int = typer.Option(_PIPE.seed, "--seed"),
    force: Force = False,
) -> None:
    """Synthetic data -> train -> int8 TFLite -> float vs int8 COCO AP -> latency -> report."""
    from ..pipeline import pipeline as run_pipeline

    cfg = PipelineConfig(
        model=model,
        input_size=parse_size(input_size),
        n_train=n_train,
        n_val=n_val,
        epochs=epochs,
        batch_size=batch_size,
        calib_size=calib_size,
        seed=seed,
    )
    from ..fsutil import output_lock

    with output_lock(out):
        report = run_pipeline(out, cfg, force=force, reporter=RichReporter())
    acc = report["accuracy"]
    out_console.print(
        f"fp32 AP {acc['fp32']['AP']:.3f} | int8 AP {acc['int8']['AP']:.3f} (drop {report['ap_drop_int8']:+.4f}) | "
        f"int8 {report['latency']['int8']['median_ms']:.2f} ms median, 1 thread | {report['wall_seconds']:.0f} s total"
    )
    out_console.print(f"report: {Path(out) / 'report.md'}")


@command(app, "train")
def train(
    data: Path = typer.Argument(..., help="COCO person-keypoints JSON."),
    images: Path = typer.Option(..., "--images", help="Folder the JSON's file_name entries are relative to."),
    out: Path = typer.Option(..., "--out", help="Run folder for checkpoints and logs."),
    model: str = typer.Option(_TRAIN.model, "--model"),
    input_size: str = typer.Option(_size_text(_TRAIN.input_size), "--input", help="HEIGHTxWIDTH."),
    epochs: int = typer.Option(_TRAIN.epochs, "--epochs"),
    batch_size: int = typer.Option(_TRAIN.batch_size, "--batch"),
    lr: float = typer.Option(_TRAIN.lr, "--lr"),
    seed: int = typer.Option(_TRAIN.seed, "--seed"),
    augment: str = typer.Option(
        _TRAIN.augment, "--augment", help="basic (flip/scale/rotate) | strong (+half-body, colour, erasing)."
    ),
    init: str = typer.Option(
        _TRAIN.init, "--init", help="Start from these weights: a .keras file, or 'pretrained' (the shipped model)."
    ),
    ohkm: int = typer.Option(
        _TRAIN.ohkm_topk, "--ohkm", help="Online hard keypoint mining: loss over each person's K hardest joints (0: off)."
    ),
    extra: list[str] = typer.Option([], "--data", help="More data, ANN.json:IMAGES_DIR[:WEIGHT]; repeatable."),
    val: list[Path] = typer.Option(
        [], "--val", help="Validation COCO JSON: AP every --val-every epochs; repeatable, the first chooses best.keras."
    ),
    val_images: list[Path] = typer.Option([], "--val-images", help="Images folder of each --val, in the same order."),
    val_every: int = typer.Option(1, "--val-every"),
    strategy: str = typer.Option(_TRAIN.strategy, "--strategy", help="tf.distribute: default | mirrored | multiworker"),
    cpu_replicas: int = typer.Option(
        _TRAIN.cpu_replicas, "--cpu-replicas", help="With mirrored on a CPU-only box: logical CPU devices."
    ),
    resume: bool = typer.Option(False, "--resume", help="Continue the run in --out from its last finished epoch."),
    force: Force = False,
    pseudo_weight: float = typer.Option(
        _TRAIN.pseudo_weight, "--pseudo-weight", help="Loss weight of teacher pseudo-labels (data pseudo-label)."
    ),
    epoch_size: int = typer.Option(
        _TRAIN.epoch_size, "--epoch-size", help="People per epoch (0: all once); fixes the budget across mixes."
    ),
    teacher_weight: float = typer.Option(
        _TRAIN.teacher_weight,
        "--teacher-weight",
        help="Distillation: fill keypoints humans lack from teacher_keypoints (data teacher-label), "
        "weight x teacher score; 0: off.",
    ),
    teacher_min_score: float = typer.Option(
        _TRAIN.teacher_min_score, "--teacher-min-score", help="Teacher points scoring less are left out."
    ),
    box: str = typer.Option(
        _TRAIN.box,
        "--box",
        help="annotation (the file's boxes) | extent (person-extent boxes from the keypoints, as inference gets).",
    ),
    codec: str = typer.Option(_TRAIN.codec, "--codec", help="Heatmap targets' coordinate convention: " + CODEC_CHOICES + "."),
    soft_teacher: str = typer.Option(
        _TRAIN.soft_teacher, "--soft-teacher", help="Heatmap teacher (.xml/.onnx/.tflite) run on every crop: soft targets."
    ),
    soft_alpha: float = typer.Option(_TRAIN.soft_alpha, "--soft-alpha", help="Target = (1-a) x Gaussian + a x teacher heatmap."),
    box_jitter: float = typer.Option(
        _TRAIN.box_jitter, "--box-jitter", help="Detector-like box noise (0.1: centre sd 5 %, sides x0.9-1.1)."
    ),
    truncate: float = typer.Option(
        _TRAIN.truncate,
        "--truncate",
        help="Share of samples shown as partly seen people: box cut at a random line, half of them blanked beyond it.",
    ),
    qat: bool = typer.Option(
        _TRAIN.qat, "--qat", help="int8 quantizer in the loop (per-channel weights, per-tensor activations): fine-tune for int8."
    ),
    qat_calib_batches: int = typer.Option(
        _TRAIN.qat_calib_batches, "--qat-calib-batches", help="Batches that set the quantizer ranges at each epoch start."
    ),
    sigma: float = typer.Option(_TRAIN.sigma, "--sigma", help="Gaussian target sigma (heatmap pixels)."),
    weight_decay: float = typer.Option(_TRAIN.weight_decay, "--weight-decay", help="AdamW weight decay."),
    warmup_epochs: float = typer.Option(_TRAIN.warmup_epochs, "--warmup-epochs", help="Linear learning-rate warm-up, epochs."),
) -> None:
    """Train a pose model on COCO-format data (checkpoint every epoch; --resume continues exactly)."""
    import contextlib

    from .._quiet import native_stderr_silenced
    from ..data.sources import DatasetSource
    from ..fsutil import check_apart, output_lock
    from ..models import check_input_size, model_spec
    from ..train import TrainConfig
    from ..train import train as run_train

    model_spec(model)
    size = parse_size(input_size)
    check_input_size(size)
    extra_sources = [DatasetSource.parse(text) for text in extra]
    if len(val) != len(val_images):
        raise EdgeposeError(f"--val and --val-images go together: {len(val)} --val, {len(val_images)} --val-images")
    inputs = [data, images, *val, *val_images, *(p for s in extra_sources for p in (s.annotations, s.images))]
    inputs += [Path(p) for p in (init, soft_teacher) if p and Path(p).exists()]
    check_apart(out, inputs)
    lock = output_lock(out)
    lock.__enter__()  # held until the process ends: a second run into the same folder fails with one line
    # the library applies the run-folder rules (apart from the inputs, empty or --force, --resume)
    cfg = TrainConfig(
        model=model, input_size=size, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed,
        strategy=strategy, cpu_replicas=cpu_replicas, augment=augment, ohkm_topk=ohkm,
        init=resolve_init(init, model), pseudo_weight=pseudo_weight, epoch_size=epoch_size,
        codec=codec, soft_teacher=soft_teacher, soft_alpha=soft_alpha, teacher_weight=teacher_weight,
        teacher_min_score=teacher_min_score, box=box, box_jitter=box_jitter, truncate=truncate,
        qat=qat, qat_calib_batches=qat_calib_batches, sigma=sigma, weight_decay=weight_decay, warmup_epochs=warmup_epochs,
    )  # fmt: skip
    validation = (val[0], val_images[0]) if val else None
    extra_validation = list(zip(val[1:], val_images[1:]))
    # multi-worker runs: gRPC and the collective runtime log natively to stderr; our lines stay
    quiet = native_stderr_silenced() if strategy == "multiworker" else contextlib.nullcontext()
    with quiet:
        summary = run_train(
            data, images, out, cfg, reporter=RichReporter(), resume=resume, extra_datasets=extra_sources,
            validation=validation, val_every=val_every, extra_validation=extra_validation, force=force,
        )  # fmt: skip
    out_console.print(f"checkpoint: {summary['checkpoint']} (loss {summary['loss']:.3e}, {summary['seconds']:.0f} s)")
    vals = [h for h in summary["history"] if "val" in h]
    if vals:
        best = max(vals, key=lambda h: h["val"]["AP"])
        out_console.print(f"best validation AP {best['val']['AP']:.3f} at epoch {best['epoch']} -> {out / 'best.keras'}")
