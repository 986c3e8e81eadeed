"""The ``edgepose`` command line: parse arguments, call one library function, report with rich.

Each command maps onto the library function of the same name. Heavy imports (TensorFlow,
pycocotools) happen inside the commands, so ``edgepose --help`` stays fast. Any
:class:`~edgepose.errors.EdgeposeError` becomes one line on stderr and exit status 1; usage
errors exit with status 2.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Callable, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from .errors import EdgeposeError, GateFailed
from .train_config import TrainConfig

_TRAIN = TrainConfig()  # training defaults live in one place

try:  # recent typer vendors click
    from typer._click.exceptions import ClickException as _ClickException
except ImportError:  # pragma: no cover - older typer depends on click
    from click.exceptions import ClickException as _ClickException

# Keep TensorFlow's C++ and absl chatter out of the user's terminal (set before TF is imported).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

app = typer.Typer(
    name="edgepose",
    help="2D human pose estimation from training to the device: train, quantize to int8, evaluate, benchmark.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="Datasets: synthesise, check, show.", no_args_is_help=True)
calib_app = typer.Typer(help="Calibration sets for int8 quantization.", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmarks: latency, accuracy (GT or detected boxes), compare.", no_args_is_help=True)
model_app = typer.Typer(help="Models in the registry: info.", no_args_is_help=True)
app.add_typer(data_app, name="data")
app.add_typer(calib_app, name="calib")
app.add_typer(bench_app, name="bench")
app.add_typer(model_app, name="model")
edgetpu_app = typer.Typer(help="Coral Edge TPU: offline mapping check, compiler.", no_args_is_help=True)
app.add_typer(edgetpu_app, name="edgetpu")

out_console = Console(soft_wrap=True)
err_console = Console(stderr=True)


class RichReporter:
    """Draws each library step as a rich progress bar on stderr."""

    def __init__(self) -> None:
        self._progress: Progress | None = None
        self._task: Any = None
        self._name = ""

    def start(self, task: str, total: int | None = None) -> None:
        self._name = task
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[info]}"),
            console=err_console,
            transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task(task, total=total, info="")

    def advance(self, n: int = 1, **info: Any) -> None:
        if self._progress is None:
            return
        text = " ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}" for k, v in info.items())
        self._progress.update(self._task, advance=n, info=text)

    def finish(self, message: str = "") -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        err_console.print(f"[green]✓[/green] {self._name}" + (f": {message}" if message else ""))


def parse_size(text: str) -> tuple[int, int]:
    """'HxW' (e.g. 256x192, the mmpose convention) -> (width, height)."""
    try:
        h, w = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise EdgeposeError(f"size '{text}' must look like HEIGHTxWIDTH, e.g. 256x192") from None
    if h <= 0 or w <= 0:
        raise EdgeposeError(f"size '{text}' must be positive")
    return w, h


def resolve_init(init: str, model: str) -> str:
    """``--init``: '' (random), 'pretrained' (the weights shipped for ``model``) or a path."""
    if init != "pretrained":
        return init
    from .pretrained import pretrained_keras

    return str(pretrained_keras(model))


def _run(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except EdgeposeError as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(getattr(exc, "exit_code", 1)) from None


# ------------------------------------------------------------------------------------------ data


@data_app.command("synth")
def synth(
    out: Path = typer.Option(..., "--out", help="Output folder (created; must be empty unless --force)."),
    n: int = typer.Option(200, "-n", help="Number of images."),
    seed: int = typer.Option(0, "--seed", help="Dataset seed: same seed, same images."),
    force: bool = typer.Option(False, "--force", help="Overwrite a non-empty output folder."),
) -> None:
    """Render a procedural dataset of people in COCO person-keypoint format."""
    from .data.synth_writer import MAX_IMAGES, write_synth
    from .fsutil import prepare_output_dir

    def go():
        if not (1 <= n <= MAX_IMAGES):
            raise EdgeposeError(f"-n must be between 1 and {MAX_IMAGES}, got {n}")
        folder = prepare_output_dir(out, force=force)
        rep = RichReporter()
        rep.start("synthesise", n)
        path = write_synth(folder, n, seed=seed, on_progress=rep.advance)
        rep.finish(str(path))

    _run(go)


@data_app.command("pseudo-label")
def pseudo_label_cmd(
    annotations: Path = typer.Argument(..., help="COCO person-keypoints JSON with absent keypoints (its available_keypoints)."),
    images: Path = typer.Option(..., "--images", help="Folder the JSON's file_name entries are relative to."),
    teacher: list[Path] = typer.Option(
        ..., "--teacher", help="COCO-17 pose .tflite (MoveNet, BlazePose ...); repeat for an ensemble."
    ),
    out: Path = typer.Option(..., "--out", help="New annotation JSON (the input is never modified)."),
    min_score: float = typer.Option(0.3, "--min-score", help="Every teacher's score must reach this."),
    agree: float = typer.Option(0.1, "--agree", help="Teachers must agree within this fraction of the box size."),
    position: str = typer.Option("first", "--position", help="first (the first teacher's point; others vote) | mean"),
    lsp_joints: Optional[Path] = typer.Option(None, "--lsp-joints", help="LSP joints.json: face points must lie in the head."),
    threads: int = typer.Option(2, "--threads"),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing --out file."),
) -> None:
    """Fill absent keypoints (e.g. LSPET's face) with teacher pseudo-labels where teachers agree (marked for --pseudo-weight)."""
    from .data.coco import load_coco
    from .data.pseudo import pseudo_label
    from .fsutil import atomic_write_json
    from .keypoints import COCO_KEYPOINTS

    def go():
        if out.resolve() == annotations.resolve():
            raise EdgeposeError(f"--out {out} is the input file; inputs are never modified, choose another name")
        if out.exists() and not force:
            raise EdgeposeError(f"{out} exists; pass --force to overwrite it")
        rep = RichReporter()
        rep.start("pseudo-label", len(load_coco(annotations)["images"]))
        doc, counts = pseudo_label(
            annotations, images, teacher, min_score=min_score, agree=agree, lsp_joints=lsp_joints, threads=threads,
            on_progress=rep.advance, position=position,
        )  # fmt: skip
        atomic_write_json(out, doc)
        per = ", ".join(f"{COCO_KEYPOINTS[k]} {n}" for k, n in sorted(counts["per_keypoint"].items()))
        rej = counts["rejected"]
        rep.finish(f"{counts['filled']} keypoints filled for {counts['people']} people ({per or 'none'})")
        out_console.print(
            f"rejected: score {rej['score']}, disagreement {rej['agree']}, inconsistent {rej['consistency']}; wrote {out}"
        )

    _run(go)


@data_app.command("teacher-label")
def teacher_label_cmd(
    source: Path = typer.Argument(..., help="COCO person-keypoints JSON, or a folder of unlabelled photos."),
    teacher: Path = typer.Option(..., "--teacher", help="Teacher pose model: .xml (OpenVINO IR), .onnx or .tflite."),
    out: Path = typer.Option(..., "--out", help="New annotation JSON with teacher_keypoints (the input is never modified)."),
    images: Optional[Path] = typer.Option(None, "--images", help="Images folder of an annotation file."),
    detector: Optional[Path] = typer.Option(None, "--detector", help="Person detector for a photo folder (default: whole frames)."),
    norm: Optional[str] = typer.Option(None, "--norm", help="Teacher input normalisation when its file does not say: raw | unit | symmetric | imagenet."),
    codec: Optional[str] = typer.Option(None, "--codec", help="Teacher heatmap convention when its file does not say: gaussian | udp | msra."),
    min_score: float = typer.Option(0.3, "--min-score", help="Photo folders: people under this mean teacher score are dropped."),
    threads: int = typer.Option(2, "--threads"),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing --out file."),
) -> None:
    """Teacher keypoints for every person (distillation): human labels are kept, train with --teacher-weight."""
    from .data.distill import teacher_label_source
    from .fsutil import atomic_write_json

    def go():
        if out.resolve() == source.resolve():
            raise EdgeposeError(f"--out {out} is the input file; inputs are never modified, choose another name")
        if out.exists() and not force:
            raise EdgeposeError(f"{out} exists; pass --force to overwrite it")
        rep = RichReporter()
        doc = teacher_label_source(
            source, teacher, images=images, detector=detector, threads=threads, normalization=norm, codec=codec,
            min_score=min_score, on_start=lambda n: rep.start("teacher-label", n), on_progress=rep.advance,
        )  # fmt: skip
        atomic_write_json(out, doc)
        labelled = sum("teacher_keypoints" in a for a in doc["annotations"])
        rep.finish(f"{labelled} people labelled by {teacher.name}; wrote {out}")

    _run(go)


@data_app.command("copy-paste")
def copy_paste_cmd(
    annotations: Path = typer.Argument(..., help="COCO person-keypoints JSON whose people have polygon segmentations."),
    images: Path = typer.Option(..., "--images", help="Folder the JSON's file_name entries are relative to."),
    out: Path = typer.Option(..., "--out", help="Output folder (images/ + person_keypoints.json)."),
    n: int = typer.Option(500, "-n", help="Number of images."),
    seed: int = typer.Option(0, "--seed"),
    backgrounds: Optional[Path] = typer.Option(
        None, "--backgrounds", help="Folder of images with no people (default: procedural)."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite a non-empty output folder."),
) -> None:
    """Cut people out by their segmentation and paste them onto other backgrounds: a new COCO dataset."""
    from .data.copy_paste import write_copy_paste
    from .fsutil import prepare_output_dir

    def go():
        if n < 1:
            raise EdgeposeError(f"-n must be at least 1, got {n}")
        folder = prepare_output_dir(out, force=force)
        rep = RichReporter()
        rep.start("copy-paste", n)
        path = write_copy_paste(annotations, images, folder, n, seed=seed, backgrounds=backgrounds, on_progress=rep.advance)
        rep.finish(str(path))

    _run(go)


@data_app.command("check")
def check(
    annotations: Path = typer.Argument(..., help="COCO person-keypoints JSON."),
    images: Path = typer.Option(..., "--images", help="Folder the JSON's file_name entries are relative to."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for check.json and check.md."),
) -> None:
    """Validate a dataset: structure, ids, keypoints, boxes, image files; exit 1 on errors."""
    from .data.check import check_dataset, check_markdown
    from .fsutil import atomic_write_json, atomic_write_text, read_json

    def go():
        doc = read_json(annotations, "annotation file")
        total = len(doc.get("images", [])) if isinstance(doc, dict) and isinstance(doc.get("images"), list) else None
        rep = RichReporter()
        rep.start("check images", total)
        report = check_dataset(annotations, images, on_progress=rep.advance)
        rep.finish(f"{report['images']} images")
        text = check_markdown(report)
        if out is not None:
            atomic_write_json(out / "check.json", report)
            atomic_write_text(out / "check.md", text)
        out_console.print(text, markup=False, highlight=False)
        if not report["ok"]:
            raise EdgeposeError(f"{annotations}: {report['errors_total']} errors (first: {report['errors'][0]})")

    _run(go)


@data_app.command("show")
def show(
    annotations: Path = typer.Argument(..., help="COCO person-keypoints JSON."),
    images: Path = typer.Option(..., "--images"),
    out: Path = typer.Option(Path("samples.png"), "--out", help="PNG grid to write."),
    n: int = typer.Option(16, "-n", help="Number of people."),
    augment: bool = typer.Option(False, "--augment", help="Show training crops with augmentation and decoded targets."),
    input_size: str = typer.Option("128x96", "--input", help="Crop size HEIGHTxWIDTH for --augment."),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Draw samples with their skeletons into a PNG grid."""
    from .data.show import show_samples

    def go():
        if n < 1:
            raise EdgeposeError(f"-n must be at least 1, got {n}")
        path = show_samples(annotations, images, out, n=n, augment=augment, input_size=parse_size(input_size), seed=seed)
        out_console.print(f"wrote {path}")

    _run(go)


@model_app.command("info")
def model_info(
    name: str = typer.Argument(..., help="Registry model name, e.g. litehrnet-18."),
    input_size: str = typer.Option("256x192", "--input", help="HEIGHTxWIDTH (multiples of 32)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Parameters, MACs/FLOPs and layer count of a registry model at an input size."""
    from .models import check_input_size, model_spec
    from .models.info import model_info as run_info

    def go():
        model_spec(name)
        size = parse_size(input_size)
        check_input_size(size)
        info = run_info(name, size)
        if json_out:
            out_console.print_json(json.dumps(info))
        else:
            out_console.print(
                f"{name} @ {input_size}: {info['params'] / 1e6:.3f} M parameters ({info['trainable_params'] / 1e6:.3f} M "
                f"trainable), {info['macs'] / 1e6:.1f} M MACs ({info['flops'] / 1e6:.1f} MFLOPs), {info['layers']} layers"
            )

    _run(go)


# ------------------------------------------------------------------------------------ pipeline


@app.command("pipeline")
def pipeline(
    out: Path = typer.Option(Path("runs/pipeline"), "--out", help="Report folder (must be empty unless --force)."),
    model: str = typer.Option("edgehrnet-t", "--model", help="Registry model name."),
    input_size: str = typer.Option("128x96", "--input", help="Model input HEIGHTxWIDTH (multiples of 32)."),
    n_train: int = typer.Option(1600, "--n-train", help="Synthetic training images."),
    n_val: int = typer.Option(100, "--n-val", help="Synthetic validation images."),
    epochs: int = typer.Option(24, "--epochs"),
    batch_size: int = typer.Option(32, "--batch"),
    calib_size: int = typer.Option(200, "--calib-size", help="Calibration crops for int8."),
    seed: int = typer.Option(0, "--seed"),
    force: bool = typer.Option(False, "--force", help="Overwrite a non-empty output folder."),
) -> None:
    """Synthetic data -> train -> int8 TFLite -> float vs int8 COCO AP -> latency -> report."""
    from .pipeline import PipelineConfig
    from .pipeline import pipeline as run_pipeline

    def go():
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
        report = run_pipeline(out, cfg, force=force, reporter=RichReporter())
        acc = report["accuracy"]
        out_console.print(
            f"fp32 AP {acc['fp32']['AP']:.3f} | int8 AP {acc['int8']['AP']:.3f} (drop {report['ap_drop_int8']:+.4f}) | "
            f"int8 {report['latency']['int8']['median_ms']:.2f} ms median, 1 thread | {report['wall_seconds']:.0f} s total"
        )
        out_console.print(f"report: {Path(out) / 'report.md'}")

    _run(go)


# --------------------------------------------------------------------------------------- train


@app.command("train")
def train(
    data: Path = typer.Argument(..., help="COCO person-keypoints JSON."),
    images: Path = typer.Option(..., "--images", help="Folder the JSON's file_name entries are relative to."),
    out: Path = typer.Option(..., "--out", help="Run folder for checkpoints and logs."),
    model: str = typer.Option("edgehrnet-t", "--model"),
    input_size: str = typer.Option("128x96", "--input", help="HEIGHTxWIDTH."),
    epochs: int = typer.Option(30, "--epochs"),
    batch_size: int = typer.Option(32, "--batch"),
    lr: float = typer.Option(2e-3, "--lr"),
    seed: int = typer.Option(0, "--seed"),
    augment: str = typer.Option("basic", "--augment", help="basic (flip/scale/rotate) | strong (+half-body, colour, erasing)."),
    init: str = typer.Option("", "--init", help="Start from these weights: a .keras file, or 'pretrained' (the shipped model)."),
    ohkm: int = typer.Option(0, "--ohkm", help="Online hard keypoint mining: loss over each person's K hardest joints (0: off)."),
    extra: list[str] = typer.Option([], "--data", help="More data, ANN.json:IMAGES_DIR[:WEIGHT]; repeatable."),
    val: Optional[Path] = typer.Option(None, "--val", help="Validation COCO JSON: AP every --val-every epochs, best.keras."),
    val_images: Optional[Path] = typer.Option(None, "--val-images", help="Images folder of --val."),
    val_every: int = typer.Option(1, "--val-every"),
    strategy: str = typer.Option("default", "--strategy", help="tf.distribute: default | mirrored | multiworker"),
    cpu_replicas: int = typer.Option(0, "--cpu-replicas", help="With mirrored on a CPU-only box: logical CPU devices."),
    resume: bool = typer.Option(False, "--resume", help="Continue the run in --out from its last finished epoch."),
    force: bool = typer.Option(False, "--force", help="Overwrite a non-empty run folder."),
    pseudo_weight: float = typer.Option(0.5, "--pseudo-weight", help="Loss weight of teacher pseudo-labels (data pseudo-label)."),
    epoch_size: int = typer.Option(0, "--epoch-size", help="People per epoch (0: all once); fixes the budget across mixes."),
    teacher_weight: float = typer.Option(
        _TRAIN.teacher_weight, "--teacher-weight",
        help="Distillation: fill keypoints humans lack from teacher_keypoints (data teacher-label), weight x teacher score; 0: off.",
    ),
    teacher_min_score: float = typer.Option(_TRAIN.teacher_min_score, "--teacher-min-score", help="Teacher points scoring less are left out."),
    box: str = typer.Option(_TRAIN.box, "--box", help="annotation (the file's boxes) | extent (person-extent boxes from the keypoints, as inference gets)."),
    box_jitter: float = typer.Option(_TRAIN.box_jitter, "--box-jitter", help="Detector-like box noise (0.1: centre sd 5 %, sides x0.9-1.1)."),
) -> None:
    """Train a pose model on COCO-format data (checkpoint every epoch; --resume continues exactly)."""
    from .data.sources import DatasetSource
    from .fsutil import prepare_output_dir
    from .models import check_input_size, model_spec
    from .train import TrainConfig
    from .train import train as run_train

    def go():
        model_spec(model)
        size = parse_size(input_size)
        check_input_size(size)
        if resume and force:
            raise EdgeposeError("--resume and --force contradict each other: --force would delete the run to resume")
        if resume and not (out / "state").is_dir():
            raise EdgeposeError(f"nothing to resume in {out}: no state/ folder from an earlier 'edgepose train'")
        extra_sources = [DatasetSource.parse(text) for text in extra]
        if (val is None) != (val_images is None):
            raise EdgeposeError("--val and --val-images go together")
        folder = out if resume else prepare_output_dir(out, force=force)
        cfg = TrainConfig(
            model=model, input_size=size, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed,
            strategy=strategy, cpu_replicas=cpu_replicas, augment=augment, ohkm_topk=ohkm,
            init=resolve_init(init, model), pseudo_weight=pseudo_weight, epoch_size=epoch_size,
            teacher_weight=teacher_weight, teacher_min_score=teacher_min_score, box=box, box_jitter=box_jitter,
        )  # fmt: skip
        validation = (val, val_images) if val is not None else None
        summary = run_train(
            data, images, folder, cfg, reporter=RichReporter(), resume=resume, extra_datasets=extra_sources,
            validation=validation, val_every=val_every,
        )  # fmt: skip
        out_console.print(f"checkpoint: {summary['checkpoint']} (loss {summary['loss']:.3e}, {summary['seconds']:.0f} s)")
        vals = [h for h in summary["history"] if "val" in h]
        if vals:
            best = max(vals, key=lambda h: h["val"]["AP"])
            out_console.print(f"best validation AP {best['val']['AP']:.3f} at epoch {best['epoch']} -> {folder / 'best.keras'}")

    _run(go)


# ------------------------------------------------------------------------------------ quantize


@app.command("quantize")
def quantize(
    model: Path = typer.Argument(..., help="Trained .keras model."),
    out: Path = typer.Option(..., "--out", help="Output .tflite file (its gate and layer reports go beside it)."),
    fmt: str = typer.Option("int8", "--format", help="fp32 | fp16 | dynamic | int8 | int16x8"),
    io: str = typer.Option("int8", "--io", help="int8 model input/output type: int8 | uint8 | float"),
    calib: Optional[Path] = typer.Option(None, "--calib", help="Calibration folder (from 'edgepose calib build')."),
    val: Optional[Path] = typer.Option(None, "--val", help="Validation COCO JSON: float vs quantized AP side by side."),
    val_images: Optional[Path] = typer.Option(None, "--val-images", help="Images folder of --val."),
    max_ap_drop: Optional[float] = typer.Option(None, "--max-ap-drop", help="Fail (exit 3) when AP drops by more than this."),
    layer_report: bool = typer.Option(False, "--layer-report", help="Per-layer int8 error report (worst layers first)."),
    float_layers: str = typer.Option("", "--float-layers", help="Comma-separated tensor names to keep in float (int8)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output file."),
) -> None:
    """Convert a Keras model to TFLite, verify it, and (with --val) gate its accuracy against the float model."""
    from .fsutil import atomic_write_json, atomic_write_text
    from .quantize import load_calibration
    from .quantize import quantize as run_quantize
    from .train import load_model

    def go():
        if out.exists() and not force:
            raise EdgeposeError(f"{out} already exists; pass --force to overwrite it")
        if (val is None) != (val_images is None):
            raise EdgeposeError("--val and --val-images go together")
        if max_ap_drop is not None and val is None:
            raise EdgeposeError("--max-ap-drop needs a validation set (--val ANN.json --val-images DIR)")
        keras_model = load_model(model)
        crops = None
        if calib is not None:
            _, h, w, _ = keras_model.input_shape
            crops = load_calibration(calib, (w, h))
        if layer_report and crops is None:
            raise EdgeposeError("--layer-report needs a calibration set (--calib DIR)")
        names = [n.strip() for n in float_layers.split(",") if n.strip()]
        with err_console.status(f"converting to {fmt}"):
            report = run_quantize(keras_model, out, fmt, calib=crops, io=io, float_layers=names)
        ops = ", ".join(f"{k}x{v}" for k, v in report["ops"].items())
        out_console.print(f"{out}: {report['size_bytes'] / 1024:.0f} KiB; ops: {ops}")
        if layer_report:
            from .quantize.debug import layer_error_report, layer_report_markdown

            with err_console.status("per-layer quantization error"):
                rows = layer_error_report(keras_model, crops)
            atomic_write_json(out.with_suffix(".layers.json"), rows)
            out_console.print(layer_report_markdown(rows), markup=False, highlight=False)
        if val is not None:
            from .data.coco import load_coco
            from .quantize.gate import accuracy_gate, gate_markdown

            n_images = len(load_coco(val)["images"])
            reporter = RichReporter()
            reporter.start("accuracy gate (float, then quantized)", 2 * n_images)
            gate = accuracy_gate(model, out, val, val_images, max_ap_drop, on_progress=lambda n: reporter.advance(n))
            reporter.finish()
            atomic_write_json(out.with_suffix(".gate.json"), gate)
            atomic_write_text(out.with_suffix(".gate.md"), gate_markdown(gate))
            out_console.print(gate_markdown(gate), markup=False, highlight=False)
            if not gate["passed"]:
                why = []
                if max_ap_drop is not None and gate["ap_drop"] > max_ap_drop:
                    why.append(f"AP drop {gate['ap_drop']:.4f} > --max-ap-drop {max_ap_drop}")
                if gate["output_levels"] and gate["output_levels"]["collapsed"]:
                    why.append("heatmap peaks use too few int8 levels")
                raise GateFailed(
                    f"accuracy gate failed: {'; '.join(why)}. Try --format int16x8, --float-layers NAMES from "
                    f"--layer-report, or a calibration set built from your own data ('edgepose calib build')"
                )

    _run(go)


@calib_app.command("build")
def calib_build(
    data: Optional[Path] = typer.Option(None, "--data", help="COCO person-keypoints JSON."),
    images: Optional[Path] = typer.Option(None, "--images"),
    synthetic: bool = typer.Option(False, "--synthetic", help="Render people with the built-in generator instead of --data."),
    out: Path = typer.Option(..., "--out"),
    n: int = typer.Option(300, "-n", help="Number of person crops."),
    input_size: str = typer.Option("128x96", "--input", help="Model input HEIGHTxWIDTH."),
    seed: int = typer.Option(0, "--seed"),
    force: bool = typer.Option(False, "--force"),
) -> None:
    """Build a calibration set of person crops (inference preprocessing), stratified over size and pose."""
    from .fsutil import prepare_output_dir
    from .quantize import build_calibration
    from .quantize.calibration import build_synthetic_calibration

    def go():
        if n < 1:
            raise EdgeposeError(f"-n must be at least 1, got {n}")
        if synthetic == (data is not None) or (data is None) != (images is None):
            raise EdgeposeError("give either --data ANN.json --images DIR, or --synthetic")
        size = parse_size(input_size)
        folder = prepare_output_dir(out, force=force)
        if synthetic:
            meta = build_synthetic_calibration(folder, size, n, seed)
        else:
            meta = build_calibration(data, images, folder, size, n, seed)
        out_console.print(f"{meta['count']} crops -> {folder}")

    _run(go)


# ---------------------------------------------------------------------------------------- eval


@app.command("eval")
def eval_(
    predictions: Path = typer.Argument(..., help="COCO keypoint results JSON."),
    gt: Path = typer.Option(..., "--gt", help="Ground-truth COCO person-keypoints JSON."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for eval.json and eval.md."),
    lsp_joints: Optional[Path] = typer.Option(None, "--lsp-joints", help="LSP joints.json: adds PCKh@0.5 (neck-head top)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """COCO keypoint AP/AR (pycocotools), PCK@0.2, PCKh@0.5 where head sizes exist, per-keypoint table."""
    from .evaluate import evaluate, lsp_head_sizes
    from .fsutil import atomic_write_json, atomic_write_text
    from .report import evaluation_markdown

    def go():
        heads = lsp_head_sizes(lsp_joints, gt) if lsp_joints is not None else None
        stats = evaluate(predictions, gt, head_sizes=heads)
        if out is not None:
            atomic_write_json(out / "eval.json", stats)
            atomic_write_text(out / "eval.md", evaluation_markdown(stats))
        if json_out:
            out_console.print_json(json.dumps(stats))
        else:
            out_console.print(evaluation_markdown(stats), markup=False, highlight=False)

    _run(go)


# ------------------------------------------------------------------------------------- predict


@app.command("predict")
def predict(
    model: Path = typer.Argument(
        ..., help="Pose .tflite: edgepose, MoveNet, PoseNet or BlazePose (contract read from the model)."
    ),
    source: Path = typer.Argument(..., help="An image, a folder of images, or a video."),
    out: Path = typer.Option(..., "--out", help="Folder for results.json and drawn images/video."),
    coco: Optional[Path] = typer.Option(None, "--coco", help="COCO JSON: its ground-truth person boxes (evaluation protocol)."),
    threads: int = typer.Option(2, "--threads"),
    backend: str = typer.Option("auto", "--backend", help="auto | litert | tflite_runtime"),
    flip: bool = typer.Option(False, "--flip", help="Average with the flipped crop (heatmap models)."),
    no_draw: bool = typer.Option(False, "--no-draw", help="Write results.json only."),
    contract: Optional[Path] = typer.Option(None, "--contract", help="contract.json for a model without embedded metadata."),
    force: bool = typer.Option(False, "--force", help="Reuse a non-empty output folder."),
    detector: Optional[Path] = typer.Option(
        None, "--detector", help="Person detector .tflite (SSD with TFLite_Detection_PostProcess, or BlazePose pose_detection)."
    ),
    det_threshold: float = typer.Option(0.5, "--det-threshold", help="Detector score threshold."),
    det_iou: Optional[float] = typer.Option(None, "--det-iou", help="Detector NMS IoU (default: the contract's)."),
    max_people: int = typer.Option(10, "--max-people"),
    person_class: int = typer.Option(0, "--person-class", help="SSD label id of 'person'."),
    redetect_every: int = typer.Option(10, "--redetect-every", help="Video: run the detector at least every N frames."),
    min_pose_score: float = typer.Option(0.3, "--min-pose-score", help="Video: re-detect when a track's pose score drops below."),
) -> None:
    """Keypoints for every person (GT boxes with --coco, --detector boxes, else the whole frame): results JSON + drawings."""
    from .fsutil import prepare_output_dir
    from .predict import VIDEO_SUFFIXES
    from .predict import predict as run_predict
    from .runtime.peers import open_pose_model

    def go():
        from .fsutil import read_json

        explicit = read_json(contract, "contract file") if contract is not None else None
        estimator = open_pose_model(model, threads=threads, backend=backend, flip_test=flip, contract=explicit)
        person_detector = None
        if detector is not None:
            from .runtime.detectors import open_detector

            person_detector = open_detector(
                detector, threads, backend, score_threshold=det_threshold, iou_threshold=det_iou, max_people=max_people,
                person_class=person_class,
            )  # fmt: skip
        folder = prepare_output_dir(out, force=force)
        if source.is_dir():
            total = None
        elif source.suffix.lower() in VIDEO_SUFFIXES:
            import cv2

            cap = cv2.VideoCapture(str(source))
            total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) or None
            cap.release()
        else:
            total = 1
        reporter = RichReporter()
        reporter.start(f"predict {model.name}", total)
        res = run_predict(
            estimator, source, folder, coco=coco, draw=not no_draw, on_progress=lambda n: reporter.advance(n),
            detector=person_detector, track={"redetect_every": redetect_every, "min_pose_score": min_pose_score},
        )  # fmt: skip
        calls = f"; detector on {res['detector_calls']} of {res['images']} frames" if "detector_calls" in res else ""
        reporter.finish(f"{res['people']} people in {res['images']} images/frames{calls}")
        out_console.print(f"results: {res['results']}" + (f"; drawings in {folder}" if res["drawn"] else ""))

    _run(go)


# --------------------------------------------------------------------------------------- bench


@bench_app.command("accuracy")
def bench_accuracy(
    model: Path = typer.Argument(..., help=".tflite or .keras model."),
    data: Path = typer.Option(..., "--data", help="COCO person-keypoints JSON (ground-truth boxes are used)."),
    images: Path = typer.Option(..., "--images", help="Folder the JSON's file_name entries are relative to."),
    lsp_joints: Optional[Path] = typer.Option(None, "--lsp-joints", help="LSP joints.json: adds PCKh@0.5."),
    threads: int = typer.Option(2, "--threads"),
    flip: bool = typer.Option(False, "--flip", help="Average with the horizontally flipped crop."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for accuracy.json and accuracy.md."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    detector: Optional[Path] = typer.Option(None, "--detector", help="Person detector .tflite: adds AP with detected boxes."),
    det_threshold: float = typer.Option(0.5, "--det-threshold", help="Detector score threshold."),
) -> None:
    """COCO AP/AR and PCK of one model with ground-truth boxes (per-keypoint table); --detector adds detected boxes."""
    from .bench import bench_accuracy as run_accuracy
    from .data.coco import load_coco
    from .fsutil import atomic_write_json, atomic_write_text
    from .report import evaluation_markdown

    def go():
        n_images = len(load_coco(data)["images"])
        reporter = RichReporter()
        reporter.start(f"accuracy of {model.name}", n_images * (2 if detector else 1))
        stats = run_accuracy(
            model, data, images, lsp_joints, threads, flip, on_progress=lambda n: reporter.advance(n),
            detector=detector, det_threshold=det_threshold,
        )  # fmt: skip
        reporter.finish()
        text = evaluation_markdown(stats, title=f"{model.name} on {data}")
        if out is not None:
            atomic_write_json(out / "accuracy.json", stats)
            atomic_write_text(out / "accuracy.md", text)
        if json_out:
            out_console.print_json(json.dumps(stats))
        else:
            out_console.print(text, markup=False, highlight=False)

    _run(go)


@bench_app.command("compare")
def bench_compare(
    models: list[Path] = typer.Argument(..., help="Pose .tflite models (edgepose and peers)."),
    data: Path = typer.Option(..., "--data", help="COCO person-keypoints JSON (ground-truth boxes)."),
    images: Path = typer.Option(..., "--images"),
    threads: str = typer.Option("1,2", "--threads"),
    warmup: int = typer.Option(10, "--warmup"),
    runs: int = typer.Option(50, "--runs"),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for compare.md, compare.json and compare.png."),
) -> None:
    """Accuracy (GT boxes), latency and size of several models in one run: table + accuracy-vs-latency PNG."""
    from .bench.compare import bench_compare as run_compare
    from .bench.compare import compare_markdown, compare_png
    from .data.coco import load_coco
    from .fsutil import atomic_write_bytes, atomic_write_json, atomic_write_text
    from .plots import has_matplotlib

    def go():
        try:
            counts = tuple(int(t) for t in threads.split(","))
        except ValueError:
            raise EdgeposeError(f"--threads must be comma-separated integers, got '{threads}'") from None
        reporter = RichReporter()
        reporter.start("compare", len(models) * len(load_coco(data)["images"]))
        report = run_compare(models, data, images, counts, warmup, runs, on_progress=lambda n: reporter.advance(n))
        reporter.finish()
        text = compare_markdown(report)
        if out is not None:
            atomic_write_json(out / "compare.json", report)
            atomic_write_text(out / "compare.md", text)
            if has_matplotlib():
                atomic_write_bytes(out / "compare.png", compare_png(report))
        out_console.print(text, markup=False, highlight=False)

    _run(go)


@bench_app.command("latency")
def bench_latency(
    models: list[Path] = typer.Argument(..., help="One or more .tflite files."),
    threads: str = typer.Option("1", "--threads", help="Comma-separated thread counts, e.g. 1,2,4."),
    warmup: int = typer.Option(10, "--warmup"),
    runs: int = typer.Option(100, "--runs"),
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Latency like TFLite's benchmark_model: load, first run, mean/median/p90/p99/std/min/max, peak RSS."""
    from rich.table import Table

    from .bench import bench_latency as run_bench

    def go():
        try:
            counts = [int(t) for t in threads.split(",")]
        except ValueError:
            raise EdgeposeError(f"--threads must be comma-separated integers, got '{threads}'") from None
        rows = [run_bench(m, threads=t, warmup=warmup, runs=runs) for m in models for t in counts]
        if json_out:
            out_console.print_json(json.dumps(rows))
            return
        table = Table("model", "threads", "load ms", "first ms", "mean", "median", "p90", "p99", "std", "min", "max", "RSS MiB")
        for r in rows:
            table.add_row(
                Path(r["model"]).name,
                str(r["threads"]),
                f"{r['load_ms']:.1f}",
                f"{r['first_ms']:.2f}",
                *(f"{r[k]:.2f}" for k in ("mean_ms", "median_ms", "p90_ms", "p99_ms", "std_ms", "min_ms", "max_ms")),
                f"{r['peak_rss_mib']:.0f}",
            )
        out_console.print(table)

    _run(go)


def main() -> None:
    """Console entry point: usage errors and EdgeposeErrors become one line on stderr."""
    try:
        code = app(standalone_mode=False)
    except _ClickException as exc:
        print(f"error: {exc.format_message()}", file=sys.stderr)
        sys.exit(exc.exit_code or 2)
    except (typer.Abort, KeyboardInterrupt):
        print("aborted", file=sys.stderr)
        sys.exit(130)
    except EdgeposeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()


# ------------------------------------------------------------------------------------- convert

NORMALIZATIONS = {
    "imagenet": ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),  # mmpose / torchvision models
    "unit": ((0.0, 0.0, 0.0), (1.0, 1.0, 1.0)),  # pixels / 255
    "raw": ((0.0, 0.0, 0.0), (1 / 255.0,) * 3),  # pixels as they are, 0..255 (edgepose's own models)
}


def _triple(text: str, flag: str) -> tuple[float, float, float]:
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise EdgeposeError(f"{flag} takes three comma-separated numbers, got '{text}'") from None
    if len(values) != 3:
        raise EdgeposeError(f"{flag} takes three comma-separated numbers, got '{text}'")
    return values  # type: ignore[return-value]


@app.command("convert")
def convert(
    model: Path = typer.Argument(..., help="ONNX pose model (read only; never modified)."),
    out: Path = typer.Option(..., "--out", help="Output .tflite file."),
    fmt: str = typer.Option("int8", "--format", help="fp32 | int8"),
    calib: Optional[Path] = typer.Option(None, "--calib", help="Calibration folder (from 'edgepose calib build')."),
    input_layout: str = typer.Option("auto", "--input-layout", help="auto | nchw | nhwc"),
    normalize: str = typer.Option("imagenet", "--normalize", help="The ONNX model's input: imagenet | unit | raw."),
    mean: str = typer.Option("", "--mean", help="Override: per-channel mean on [0,1] pixels, e.g. 0.5,0.5,0.5."),
    std: str = typer.Option("", "--std", help="Override: per-channel std on [0,1] pixels."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output file."),
) -> None:
    """ONNX -> TFLite through onnx2tf (offline), verified and compared with onnxruntime."""

    def go():
        if out.exists() and not force:
            raise EdgeposeError(f"{out} already exists; pass --force to overwrite it")
        if normalize not in NORMALIZATIONS:
            raise EdgeposeError(f"unknown --normalize '{normalize}'; choose one of: {', '.join(NORMALIZATIONS)}")
        m, s = NORMALIZATIONS[normalize]
        m = _triple(mean, "--mean") if mean else m
        s = _triple(std, "--std") if std else s
        from converters.onnx_tflite import convert_onnx

        from .quantize import load_calibration

        crops = load_calibration(calib) if calib is not None else None
        with err_console.status(f"onnx2tf: {model.name} -> {fmt}"):
            res = convert_onnx(model, out, fmt, calib=crops, layout=input_layout, mean=m, std=s)
        v, c = res["verify"], res["compare"]
        ops = ", ".join(f"{k}x{n}" for k, n in v["ops"].items())
        out_console.print(f"{out}: {v['size_bytes'] / 1024:.0f} KiB (ONNX {res['onnx_size_bytes'] / 1024:.0f} KiB); ops: {ops}")
        agree = f"{100 * c['keypoint_agreement']:.1f} %" if c["keypoint_agreement"] is not None else "n/a"
        out_console.print(
            f"vs onnxruntime on {c['samples']} calibration crops: max abs error {c['max_abs_error']:.4g} "
            f"(outputs in [{c['output_range'][0]:.3g}, {c['output_range'][1]:.3g}]), keypoints within one heatmap pixel: {agree}"
        )

    _run(go)


@app.command("export-onnx")
def export_onnx(
    model: Path = typer.Argument(..., help="Trained .keras model."),
    out: Path = typer.Option(..., "--out", help="Output .onnx file."),
    opset: int = typer.Option(17, "--opset"),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output file."),
) -> None:
    """Keras -> ONNX through tf2onnx (NHWC float input, RGB 0..255), checked against onnxruntime."""

    def go():
        if out.exists() and not force:
            raise EdgeposeError(f"{out} already exists; pass --force to overwrite it")
        from converters.keras_onnx import export_onnx as run_export

        with err_console.status("tf2onnx"):
            res = run_export(model, out, opset=opset)
        out_console.print(
            f"{out}: {res['size_bytes'] / 1024:.0f} KiB, opset {res['opset']}, input {res['input']} (NHWC, RGB 0..255); "
            f"max abs error vs Keras {res['max_abs_error']:.2g}"
        )

    _run(go)


# -------------------------------------------------------------------------------------- bundle


@app.command("bundle")
def bundle_cmd(
    model: str = typer.Argument(..., help="int8/fp32 .tflite to bundle, or 'inspect' followed by a bundled file."),
    file: Optional[Path] = typer.Argument(None, help="With 'inspect': the bundled model to read."),
    out: Optional[Path] = typer.Option(None, "--out", help="Bundle folder (model with embedded contract, contract.json, card)."),
    version: str = typer.Option("", "--version", help="Model version string stored in the contract."),
    metrics: Optional[Path] = typer.Option(None, "--metrics", help="JSON with training data / accuracy / latency to embed."),
    card: Optional[Path] = typer.Option(None, "--card", help="Model card Markdown to ship beside the model."),
    force: bool = typer.Option(False, "--force"),
    json_out: bool = typer.Option(False, "--json", help="With 'inspect': print the whole contract as JSON."),
) -> None:
    """Embed the model's contract (input, normalisation, output, codec, keypoints); 'bundle inspect FILE' reads it."""
    from .bundle.bundle import bundle, contract_summary, inspect_bundle
    from .fsutil import prepare_output_dir

    def go():
        if model == "inspect":
            if file is None:
                raise EdgeposeError("usage: edgepose bundle inspect MODEL.tflite")
            contract = inspect_bundle(file)
            if json_out:
                out_console.print_json(json.dumps(contract))
                return
            from rich.table import Table

            table = Table("field", "value", title=f"{file.name}: edgepose contract", show_lines=False)
            for key, value in contract_summary(contract):
                table.add_row(key, value)
            out_console.print(table)
            out_console.print("full contract: --json")
            return
        if out is None:
            raise EdgeposeError("--out DIR is required to bundle a model")
        folder = prepare_output_dir(out, force=force)
        res = bundle(Path(model), folder, version, metrics, card)
        out_console.print(f"{res['model']}: contract embedded (+{res['overhead_bytes']} bytes); contract.json, MODEL_CARD.md")

    _run(go)


# ------------------------------------------------------------------------------------- edgetpu


@edgetpu_app.command("check")
def edgetpu_check(
    model: Path = typer.Argument(..., help="int8 .tflite model (before edgetpu_compiler)."),
    all_ops: bool = typer.Option(False, "--all", help="List every op, not only those left on the CPU."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Predict, op by op, what edgetpu_compiler maps to the TPU (no TensorFlow, no compiler needed)."""
    from .edgetpu import edgetpu_check as run_check
    from .edgetpu import edgetpu_markdown

    def go():
        report = run_check(model)
        if json_out:
            out_console.print_json(json.dumps(report))
        else:
            out_console.print(edgetpu_markdown(report, all_ops), markup=False, highlight=False)

    _run(go)


@edgetpu_app.command("compile")
def edgetpu_compile(
    model: Path = typer.Argument(..., help="int8 .tflite model."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output folder (default: beside the model)."),
) -> None:
    """Run edgetpu_compiler when it is installed."""
    from .edgetpu import compile_edgetpu

    def go():
        res = compile_edgetpu(model, out)
        out_console.print(f"wrote {res['compiled']}")

    _run(go)
