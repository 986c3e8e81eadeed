"""Training room: fit a registry model on COCO-format person keypoints (top-down, heatmaps).

Weighted MSE heatmap loss (per-keypoint target weights: unlabelled or absent joints give no
loss), AdamW with linear warm-up and cosine decay. Writes ``last.keras`` atomically after
every epoch, ``train_log.json`` and (with matplotlib) ``curves.png``.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from ._tf import import_tensorflow
from .codec import codec_for
from .codecs import HeatmapCodec
from .contract import Contract
from .data.coco import load_coco
from .data.samples import Augment, ImageCache
from .data.sources import DatasetSource, load_sources, weighted_epoch
from .data.tf_pipeline import make_dataset
from .errors import EdgeposeError
from .fsutil import atomic_write, atomic_write_bytes, atomic_write_json, read_json
from .models.saved import load_model, save_model  # noqa: F401  (load_model re-exported: train writes what it reads)
from .plots import has_matplotlib, training_curves_png
from .progress import Reporter, SilentReporter
from .train_config import AUGMENT_NAMES, TrainConfig

AUGMENTS = {"basic": Augment(), "strong": Augment.strong()}
assert set(AUGMENTS) == set(AUGMENT_NAMES)


def heatmap_loss(pred, target, weights, ohkm_topk: int = 0):
    """Weighted heatmap MSE. ``pred``/``target``: (N, H, W, K) float; ``weights``: (N, K).

    ``ohkm_topk`` = 0: mean over batch, keypoints and pixels of ``w_k * (pred - target)^2``
    (mmpose's KeypointMSELoss). ``ohkm_topk`` = k > 0: online hard keypoint mining (mmpose's
    KeypointOHKMMSELoss): per sample, the mean of the k largest per-keypoint losses.
    """
    import tensorflow as tf

    per_keypoint = tf.reduce_mean(tf.square(pred - target), axis=(1, 2)) * weights  # (N, K)
    if ohkm_topk <= 0:
        return tf.reduce_mean(per_keypoint)
    k = min(int(ohkm_topk), int(per_keypoint.shape[-1]))
    hardest, _ = tf.math.top_k(per_keypoint, k=k)
    return tf.reduce_mean(hardest)


def learnable(record: dict[str, Any], pad: float = 1.25) -> bool:
    """Whether a person record has a labelled keypoint (with loss weight) inside its crop: the box
    grown ``pad`` times about its centre, as :func:`~edgepose.transforms.crop_person` takes it."""
    x, y, w, h = record["bbox"]
    cx, cy, hw, hh = x + w / 2, y + h / 2, pad * w / 2, pad * h / 2
    kps = np.asarray(record["keypoints"], np.float64)
    on = kps[:, 2] > 0
    if "available" in record:
        on &= np.asarray(record["available"], bool)
    inside = (np.abs(kps[:, 0] - cx) <= hw) & (np.abs(kps[:, 1] - cy) <= hh)
    return bool((on & inside).any())


def _dataset_identity(entry: str) -> tuple[str, str]:
    """``ANN.json:IMAGES:WEIGHT`` -> (annotation file name, weight): what makes a resumed run's data the same run's
    data (its folders may have moved: a committed run records ``$POOL``, a session has the pool where it fetched it)."""
    annotations, _, weight = str(entry).rpartition(":")
    annotations = annotations.rsplit(":", 1)[0] if ":" in annotations else annotations
    return Path(annotations).name, weight


def _check_same_run(saved: dict[str, Any], now: dict[str, Any], out: Path) -> None:
    """``resume`` continues only the same run: every setting equal (a setting added to
    :class:`TrainConfig` after the run started counts as its default, which is what the run used)."""
    defaults = asdict(TrainConfig())

    def same(key: str, was: Any, value: Any) -> bool:
        if key == "datasets" and isinstance(was, list):  # data may move between sessions: same files and weights
            return [_dataset_identity(d) for d in was] == [_dataset_identity(d) for d in value]
        return was == value

    was = {k: saved.get(k, defaults.get(k)) for k in now}
    changed = [f"{k}: {was[k]!r} -> {v!r}" for k, v in now.items() if not same(k, was[k], v)]
    if changed:
        raise EdgeposeError(f"`resume` with different settings than the run in {out} ({'; '.join(changed)})")


def make_train_step(model, optimizer, ohkm_topk: int = 0, replicas: int = 1):
    """One optimisation step ``step(x, y, w) -> loss`` (uncompiled; wrap it in ``tf.function`` or
    ``strategy.run``): heatmap loss / ``replicas`` (summed over replicas: the global mean), gradients, update."""
    import tensorflow as tf

    def step(x, y, w):
        with tf.GradientTape() as tape:
            loss = heatmap_loss(model(x, training=True), y, w, ohkm_topk) / replicas
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    return step


def model_contract(model_name: str, codec: HeatmapCodec, qat: bool = False) -> Contract:
    """The contract every checkpoint of a run carries (:func:`edgepose.models.saved.save_model`): the
    codec by registry name with its sigma and refinement, the input (RGB 0..255, normalisation inside the
    model), the keypoints and flip pairs, ``qat``. ``quantize`` embeds it in the TFLite file; estimators,
    the gate, ``bundle`` and ``predict`` read it from there, so no codec flag is typed again."""
    from .codec import codec_name

    w, h = codec.input_size
    return Contract(input_hw=(int(h), int(w)), codec=codec_name(codec), sigma=float(codec.sigma), refine=codec.refine,
                    model=model_name, qat=bool(qat))  # fmt: skip


def train(
    annotations: str | Path,
    images: str | Path,
    out_dir: str | Path,
    config: TrainConfig | None = None,
    reporter: Reporter | None = None,
    resume: bool = False,
    extra_datasets: list[DatasetSource] | None = None,
    validation: tuple[str | Path, str | Path] | None = None,
    val_every: int = 1,
    extra_validation: list[tuple[str | Path, str | Path]] | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """Train ``config.model`` and return a summary ``{"checkpoint", "loss", "seconds", "history", ...}``.

    After every epoch the run folder gets ``last.keras`` (atomic), ``state/`` (model, optimizer
    and epoch: a TensorFlow checkpoint) and ``train_log.json``. With ``resume`` a run continues
    from its last completed epoch: same schedule position, optimizer moments and data order
    (batches are seeded by ``(seed, epoch, index)``). ``reporter`` gets one unit per batch.

    ``extra_datasets`` are mixed in by sampling weight (the first dataset has weight 1); each
    keeps its own keypoint availability. ``validation`` = (annotations, images): COCO AP with
    ground-truth boxes every ``val_every`` epochs, ``best.keras`` kept for the best AP, and
    TensorBoard scalars in ``tb/``. ``extra_validation``: more (annotations, images) splits
    measured at the same epochs, logged under ``val_extra`` by file stem; they choose nothing.

    The run folder rules live here: ``out_dir`` must lie apart from every input; a fresh run needs it
    absent or empty, or ``force`` to empty a folder edgepose made; ``resume`` needs the ``state/`` of an
    earlier run there and contradicts ``force``.
    """
    reporter = reporter or SilentReporter()
    cfg = config or TrainConfig()
    cfg.check()
    if resume and force:
        raise EdgeposeError("`resume` and `force` contradict each other: `force` would delete the run to resume")
    if resume and not any((Path(out_dir) / name).exists() for name in ("state", "train_log.json")):
        # a log without state/ is a run killed between its first log and its first state: it starts over
        raise EdgeposeError(f"nothing to resume in {out_dir}: no state/ folder from an earlier training run")
    from .fsutil import check_apart, prepare_output_dir

    inputs = [annotations, images, *(p for s in (extra_datasets or []) for p in (s.annotations, s.images))]
    inputs += [p for pair in [validation or (), *(extra_validation or [])] for p in pair]
    inputs += [Path(p) for p in (cfg.init, cfg.soft_teacher) if p and Path(p).exists()]
    if resume:
        check_apart(out_dir, inputs)
    else:
        prepare_output_dir(out_dir, force=force, inputs=inputs)
    sources = [DatasetSource(Path(annotations), Path(images), 1.0), *(extra_datasets or [])]
    per_source = load_sources(
        sources,
        pseudo_weight=cfg.pseudo_weight,
        teacher_weight=cfg.teacher_weight,
        teacher_min_score=cfg.teacher_min_score,
        box=cfg.box,
    )
    weights = [src.weight for src in sources]
    epoch_size = cfg.epoch_size or sum(len(r) for r in per_source)
    if epoch_size < cfg.batch_size:
        raise EdgeposeError(f"{annotations}: only {epoch_size} people with keypoints, fewer than one batch of {cfg.batch_size}")
    if not any(learnable(r) for records in per_source for r in records):
        raise EdgeposeError(
            f"{annotations}: nothing to learn, no labelled keypoint lies inside any person's crop (check that keypoints "
            "are in image pixels and lie near their bbox)"
        )
    extra_validation = list(extra_validation or [])
    if extra_validation and validation is None:
        raise EdgeposeError("`extra_validation` needs a `validation` split first (it chooses best.keras)")
    for split in ([validation] if validation is not None else []) + extra_validation:
        load_coco(split[0])  # fail early on a bad validation file
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    config_path = out / "train_config.json"
    cfg_dict = {
        **asdict(cfg),
        "input_size": list(cfg.input_size),
        "datasets": [f"{src.annotations}:{src.images}:{src.weight}" for src in sources],
    }
    if resume and config_path.is_file():
        _check_same_run(read_json(config_path, "run configuration"), cfg_dict, out)
    else:
        atomic_write_json(config_path, cfg_dict)

    tf = import_tensorflow()
    import keras

    from .models import create_model

    strategy = make_strategy(cfg.strategy, cfg.cpu_replicas)
    replicas = strategy.num_replicas_in_sync
    if cfg.batch_size % replicas:
        raise EdgeposeError(
            f"batch size {cfg.batch_size} must be divisible by the {replicas} replicas of `strategy` {cfg.strategy}"
        )
    keras.utils.set_random_seed(cfg.seed)
    codec = codec_for(cfg.input_size, cfg.sigma, name=cfg.codec)
    contract = model_contract(cfg.model, codec, qat=cfg.qat)
    with strategy.scope():  # variables (model, optimizer, epoch) live on every replica
        model = create_model(cfg.model, cfg.input_size)
        if cfg.init:
            init_weights(model, cfg.init)
        steps_per_epoch = epoch_size // cfg.batch_size
        total = steps_per_epoch * cfg.epochs
        warmup = max(1, int(cfg.warmup_epochs * steps_per_epoch))
        schedule = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=cfg.lr * 0.01,
            decay_steps=max(1, total - warmup),
            alpha=0.01,
            warmup_target=cfg.lr,
            warmup_steps=warmup,
        )
        optimizer = keras.optimizers.AdamW(learning_rate=schedule, weight_decay=cfg.weight_decay)
        optimizer.build(model.trainable_variables)
        epoch_done = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch")
    state = tf.train.Checkpoint(model=model, optimizer=optimizer, epoch=epoch_done)
    manager = tf.train.CheckpointManager(state, str(out / "state"), max_to_keep=2)
    history: list[dict[str, Any]] = []
    if resume and manager.latest_checkpoint:
        state.restore(manager.latest_checkpoint).expect_partial()
        log_path = out / "train_log.json"
        history = read_json(log_path, "training log")["history"] if log_path.is_file() else []
        history = [h for h in history if h["epoch"] <= int(epoch_done.numpy())]

    trained = model  # the model the loss sees: the float model, or the same weights with the int8 quantizer in the loop
    fake_quant: list = []
    if cfg.qat:
        from .quantize.qat import quantizer_in_the_loop

        with strategy.scope():
            trained, fake_quant = quantizer_in_the_loop(model)
    replica_step = make_train_step(trained, optimizer, cfg.ohkm_topk, replicas)

    @tf.function(reduce_retracing=True)
    def train_step(x, y, w):
        losses = strategy.run(replica_step, args=(x, y, w))
        return strategy.reduce(tf.distribute.ReduceOp.SUM, losses, axis=None)

    cache = ImageCache()
    soft = None
    if cfg.soft_teacher:
        from .data.distill import SoftTeacher

        soft = SoftTeacher(cfg.soft_teacher, codec, threads=1)
    augment = dataclasses.replace(AUGMENTS[cfg.augment], box_jitter=cfg.box_jitter, truncate_prob=cfg.truncate)
    start_epoch = int(epoch_done.numpy()) + 1
    t0 = time.time() - (history[-1]["seconds"] if history else 0.0)
    reporter.start(f"train {cfg.model} {cfg.input_size[1]}x{cfg.input_size[0]}", total)
    reporter.advance((start_epoch - 1) * steps_per_epoch)
    checkpoint = out / "last.keras"
    tb_writer = tf.summary.create_file_writer(str(out / "tb")) if _has_tensorboard() else None

    def summary() -> dict[str, Any]:
        return {
            "checkpoint": str(checkpoint),
            "config": {**asdict(cfg), "input_size": list(cfg.input_size)},
            "people": epoch_size,
            "steps": int(optimizer.iterations.numpy()),
            "loss": history[-1]["loss"] if history else None,
            "seconds": round(time.time() - t0, 1),
            "params": int(model.count_params()),
            "history": history,
        }

    epoch = start_epoch
    data_errors: list[EdgeposeError] = []
    try:
        for epoch in range(start_epoch, cfg.epochs + 1):
            losses = []
            if len(per_source) == 1:
                records = per_source[0]
            else:
                records = weighted_epoch(per_source, weights, np.random.default_rng([cfg.seed, epoch, 7]), epoch_size)
            dataset = make_dataset(
                records, codec, cfg.batch_size, augment, cfg.seed, epoch, cache, parallel=2, soft=soft, soft_alpha=cfg.soft_alpha,
                errors=data_errors,
            )
            if fake_quant:  # ranges as TFLite's calibration will set them, from this epoch's first crops
                from .quantize.equalize import equalize
                from .quantize.qat import calibrate_ranges

                crops = np.concatenate([np.asarray(x) for x, _, _ in dataset.take(cfg.qat_calib_batches)])
                if epoch == 1:  # the exact residual-stream equalization first (resumed runs restore its weights)
                    equalize(model, crops, in_place=True)
                calibrate_ranges(trained, fake_quant, crops)
            if replicas > 1:
                dataset = strategy.experimental_distribute_dataset(dataset)
            for x, y, w in dataset:
                loss = float(train_step(x, y, w))
                if not math.isfinite(loss):
                    raise EdgeposeError(f"training diverged at epoch {epoch} (loss {loss}); lower `lr`")
                losses.append(loss)
                reporter.advance(1, epoch=epoch, loss=loss)
            if replicas > 1:
                sync_moving_statistics(strategy, model)
            entry = {"epoch": epoch, "loss": float(np.mean(losses)), "seconds": round(time.time() - t0, 1)}
            if validation is not None and (epoch % max(val_every, 1) == 0 or epoch == cfg.epochs):
                entry["val"] = validate_keras(trained, validation[0], validation[1], codec)
                best_ap = max((h["val"]["AP"] for h in history if "val" in h), default=-1.0)
                if entry["val"]["AP"] > best_ap:
                    atomic_write(out / "best.keras", lambda p: save_model(model, p, contract))
                if extra_validation:
                    entry["val_extra"] = {
                        Path(ann).stem: validate_keras(trained, ann, imgs, codec) for ann, imgs in extra_validation
                    }
            history.append(entry)
            if tb_writer is not None:
                with tb_writer.as_default(step=epoch):
                    tf.summary.scalar("loss", entry["loss"])
                    tf.summary.scalar("learning_rate", float(schedule(optimizer.iterations)))
                    for key, value in entry.get("val", {}).items():
                        if key in ("AP", "AP50", "AR", "PCK_bbox"):
                            tf.summary.scalar(f"val/{key}", value)
                tb_writer.flush()
            atomic_write(checkpoint, lambda p: save_model(model, p, contract))
            # the log first, then the state: a kill between the two redoes this epoch on resume (the log is
            # cut back to the restored epoch); the other order lost the epoch's log entry
            atomic_write_json(out / "train_log.json", summary())
            epoch_done.assign(epoch)
            manager.save(checkpoint_number=epoch)
            if has_matplotlib():
                title = f"{cfg.model} {cfg.input_size[1]}x{cfg.input_size[0]}"
                atomic_write_bytes(out / "curves.png", training_curves_png(history, title))
    except tf.errors.OpError as exc:  # multi-worker: a peer died or hung up during a collective op
        if data_errors:  # a training image could not be read: its one line, not TensorFlow's wrapper
            raise EdgeposeError(f"{data_errors[0]} (epoch {epoch}; the run can --resume once it is fixed)") from None
        if cfg.strategy != "multiworker":
            raise
        raise EdgeposeError(_worker_failure(str(exc.message), epoch, out)) from None
    if not history:
        raise EdgeposeError(f"nothing to train: {out} has no finished epoch and `epochs` is {cfg.epochs}")
    reporter.finish(f"loss {history[-1]['loss']:.2e} after {cfg.epochs} epochs")
    result = summary()
    atomic_write_json(out / "train_log.json", result)
    return result


STRATEGIES = ("default", "mirrored", "multiworker")


def _worker_failure(message: str, epoch: int, out: Path) -> str:
    """One line for a multi-worker run whose collective ops failed (a peer died or hung up)."""
    lines = [ln.strip() for ln in message.splitlines() if ln.strip()]
    lost = sorted({ln.split()[0] for ln in lines if ln.startswith("/job:")})
    why = next((ln for ln in lines if "unhealthy" in ln or "aborted" in ln.lower()), lines[-1] if lines else "no message")
    peers = _peer_tasks()
    if lost:
        who = f"lost {', '.join(lost)}"
    elif peers:  # gRPC did not say which peer hung up (e.g. "Connection reset by peer"): name the candidates
        who = f"lost contact with {' or '.join(peers)}: {why[:120]}"
    else:
        who = f"a worker failed: {why[:160]}"
    if epoch > 1:
        return (
            f"multi-worker training stopped in epoch {epoch} ({who}); the state after epoch {epoch - 1} is in {out}: "
            "restart every worker with `resume`"
        )
    return f"multi-worker training stopped in epoch 1 ({who}); nothing was saved: start every worker again"


def _peer_tasks() -> list[str]:
    """The other workers of this multi-worker run (``/job:worker/task:N``) from ``TF_CONFIG``; [] when unknown."""
    import json
    import os

    try:
        config = json.loads(os.environ.get("TF_CONFIG", ""))
        me = config["task"]
        return [
            f"/job:{job}/task:{i}"
            for job, hosts in config["cluster"].items()
            for i in range(len(hosts))
            if not (job == me["type"] and i == int(me["index"]))
        ]
    except (ValueError, KeyError, TypeError):
        return []


def sync_moving_statistics(strategy, model) -> None:
    """Average the non-trainable variables (BatchNorm moving mean/variance) over every replica of
    ``strategy``. The trainable weights are all-reduced at each step, but each replica updates the
    moving statistics from its own shard of the batch; without this, workers of a multi-worker run
    would save different models."""
    tf = import_tensorflow()
    variables = list(model.non_trainable_variables)
    if not variables:
        return

    @tf.function
    def reduce():
        def average():
            ctx = tf.distribute.get_replica_context()
            return [ctx.all_reduce(tf.distribute.ReduceOp.MEAN, tf.identity(v.value)) for v in variables]

        return strategy.run(average)

    for var, value in zip(variables, reduce()):
        var.assign(strategy.experimental_local_results(value)[0])


def make_strategy(name: str, cpu_replicas: int = 0):
    """A ``tf.distribute`` strategy. ``mirrored``: all local GPUs, or, on a CPU-only machine with
    ``cpu_replicas`` > 1, that many logical CPU devices (must be set before TensorFlow starts any
    work). ``multiworker``: ``MultiWorkerMirroredStrategy`` configured by ``TF_CONFIG``."""
    tf = import_tensorflow()
    if name not in STRATEGIES:
        raise EdgeposeError(f"unknown strategy '{name}'; choose one of: {', '.join(STRATEGIES)}")
    if cpu_replicas > 1:
        cpus = tf.config.list_physical_devices("CPU")
        try:
            tf.config.set_logical_device_configuration(cpus[0], [tf.config.LogicalDeviceConfiguration()] * cpu_replicas)
        except RuntimeError:
            if len(tf.config.list_logical_devices("CPU")) != cpu_replicas:
                raise EdgeposeError("`cpu_replicas` must be set before TensorFlow has started (use a fresh process)") from None
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        devices = None
        if not tf.config.list_physical_devices("GPU") and len(tf.config.list_logical_devices("CPU")) > 1:
            devices = [d.name for d in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices=devices)
    return tf.distribute.MultiWorkerMirroredStrategy()


def _has_tensorboard() -> bool:
    """TensorBoard scalars need the ``tensorboard`` package (not in the pinned stack); without it
    ``train_log.json`` still holds every epoch's loss and validation figures."""
    import importlib.util

    return importlib.util.find_spec("tensorboard") is not None


def validate_keras(model, annotations: str | Path, images: str | Path, codec: HeatmapCodec):
    """COCO AP/AR and PCK of a Keras model on ground-truth boxes through the evaluation path itself
    (:class:`~edgepose.estimators.KerasPoseEstimator` + :func:`~edgepose.evaluate.predict_coco`: the
    runtime's crop, decode and rounding), so validation AP and ``eval``/``bench accuracy`` AP agree.
    Crops run one at a time, as at inference."""
    from .codec import codec_name
    from .estimators import KerasPoseEstimator
    from .evaluate import evaluate, predict_coco

    estimator = KerasPoseEstimator(model, codec=codec_name(codec), sigma=float(codec.sigma))  # the trained sigma
    results = predict_coco(estimator, load_coco(annotations), images)
    stats = evaluate(results, annotations)
    return {k: v for k, v in stats.items() if k != "per_keypoint"}


def init_weights(model, path: str | Path) -> None:
    """Copy the weights of the ``.keras`` file ``path`` into ``model`` (fine-tuning). Weights do
    not depend on the input size, so a model trained at 128x96 can start a 256x192 run; the
    architecture must match (the lowerings of one model, e.g. ``pptinypose`` and ``pptinypose-edgetpu``, share
    their weights)."""
    source = load_model(path)
    family = {source.name.split("-")[0], model.name.split("-")[0]} == {"pptinypose"}  # lowerings share weights
    if (source.name != model.name and not family) or len(source.weights) != len(model.weights):
        raise EdgeposeError(f"`init` {path}: a '{source.name}' model cannot initialise '{model.name}' (different architecture)")
    by_path = {w.path: w for w in source.weights}
    # by weight path (layer/variable) where both models name them alike, else in order
    pairs = [(t, by_path[t.path]) for t in model.weights] if all(t.path in by_path for t in model.weights) else None
    for target, weight in pairs or zip(model.weights, source.weights):
        if tuple(target.shape) != tuple(weight.shape):
            got, want = tuple(weight.shape), tuple(target.shape)
            raise EdgeposeError(f"`init` {path}: weight {weight.path} has shape {got}, expected {want}")
        target.assign(weight)
