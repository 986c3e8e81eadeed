"""``edgepose bench accuracy|compare|latency``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ..defaults import DETECTOR_SCORE_THRESHOLD, THREADS
from ..errors import EdgeposeError
from .common import RichReporter, command, out_console
from .options import CodecWhenUnsaid, Force, NormWhenUnsaid, Threads

bench_app = typer.Typer(help="Benchmarks: latency, accuracy (GT or detected boxes), compare.", no_args_is_help=True)


@command(bench_app, "accuracy")
def bench_accuracy(
    model: Path = typer.Argument(..., help="Pose model: .tflite, .onnx, OpenVINO .xml or .keras."),
    data: Path = typer.Option(..., "--data", help="COCO person-keypoints JSON (ground-truth boxes are used)."),
    images: Path = typer.Option(..., "--images", help="Folder the JSON's file_name entries are relative to."),
    lsp_joints: Optional[Path] = typer.Option(None, "--lsp-joints", help="LSP joints.json: adds PCKh@0.5."),
    threads: Threads = THREADS,
    flip: bool = typer.Option(False, "--flip", help="Average with the horizontally flipped crop."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for accuracy.json and accuracy.md."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    detector: Optional[Path] = typer.Option(None, "--detector", help="Person detector .tflite: adds AP with detected boxes."),
    det_threshold: float = typer.Option(DETECTOR_SCORE_THRESHOLD, "--det-threshold", help="Detector score threshold."),
    normalization: NormWhenUnsaid = None,
    codec: CodecWhenUnsaid = None,
    force: Force = False,
) -> None:
    """COCO AP/AR and PCK of one model with ground-truth boxes (per-keypoint table); --detector adds detected boxes."""
    from ..bench import bench_accuracy as run_accuracy
    from ..data.coco import load_coco
    from ..fsutil import check_output_folder
    from ..report import evaluation_markdown, write_report_folder

    inputs = [model, data, images, lsp_joints, detector]
    if out is not None:
        check_output_folder(out, force, inputs)
    n_images = len(load_coco(data)["images"])
    reporter = RichReporter()
    reporter.start(f"accuracy of {model.name}", n_images * (2 if detector else 1))
    stats = run_accuracy(
        model, data, images, lsp_joints, threads, flip, on_progress=lambda n: reporter.advance(n),
        detector=detector, det_threshold=det_threshold, normalization=normalization, codec=codec,
    )  # fmt: skip
    reporter.finish()
    text = evaluation_markdown(stats, title=f"{model.name} on {data}")
    if out is not None:
        write_report_folder(out, "accuracy", stats, text, force, inputs)
    if json_out:
        out_console.print_json(json.dumps(stats))
    else:
        out_console.print(text, markup=False, highlight=False)


@command(bench_app, "compare")
def bench_compare(
    models: list[Path] = typer.Argument(..., help="Pose models (.tflite, .onnx, .xml) whose files state their contracts."),
    data: Path = typer.Option(..., "--data", help="COCO person-keypoints JSON (ground-truth boxes)."),
    images: Path = typer.Option(..., "--images"),
    threads: str = typer.Option("1,2", "--threads"),
    warmup: int = typer.Option(10, "--warmup"),
    runs: int = typer.Option(50, "--runs"),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for compare.md, compare.json and compare.png."),
    normalization: NormWhenUnsaid = None,
    codec: CodecWhenUnsaid = None,
    force: Force = False,
) -> None:
    """Accuracy (GT boxes), latency and size of several models in one run: table + accuracy-vs-latency PNG."""
    from ..bench.compare import bench_compare as run_compare
    from ..bench.compare import compare_markdown, compare_png
    from ..data.coco import load_coco
    from ..fsutil import check_output_folder
    from ..plots import has_matplotlib
    from ..report import write_report_folder

    try:
        counts = tuple(int(t) for t in threads.split(","))
    except ValueError:
        raise EdgeposeError(f"--threads must be comma-separated integers, got '{threads}'") from None
    inputs = [*models, data, images]
    if out is not None:
        check_output_folder(out, force, inputs)
    reporter = RichReporter()
    reporter.start("compare", len(models) * len(load_coco(data)["images"]))
    report = run_compare(
        models, data, images, counts, warmup, runs, on_progress=lambda n: reporter.advance(n),
        normalization=normalization, codec=codec,
    )  # fmt: skip
    reporter.finish()
    text = compare_markdown(report)
    if out is not None:
        png = {"compare.png": compare_png(report)} if has_matplotlib() else None
        write_report_folder(out, "compare", report, text, force, inputs, extra=png)
    out_console.print(text, markup=False, highlight=False)


@command(bench_app, "latency")
def bench_latency(
    models: list[Path] = typer.Argument(..., help="One or more model files (.tflite, .onnx, OpenVINO .xml)."),
    threads: str = typer.Option("1", "--threads", help="Comma-separated thread counts, e.g. 1,2,4."),
    warmup: int = typer.Option(10, "--warmup"),
    runs: int = typer.Option(100, "--runs"),
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Latency like TFLite's benchmark_model: load, first run, mean/median/p90/p99/std/min/max, peak RSS."""
    from rich.table import Table

    from ..bench import bench_latency as run_bench

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


@command(bench_app, "profile")
def bench_profile(
    model: Path = typer.Argument(..., help="A .tflite model."),
    threads: Threads = 1,
    warmup: int = typer.Option(5, "--warmup"),
    runs: int = typer.Option(50, "--runs", help="Timed invocations of the whole model and of each op."),
    top: int = typer.Option(10, "--top", help="How many of the slowest ops to list (and draw)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for profile.json, profile.md and profile.png."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    force: Force = False,
) -> None:
    """Per-op time table (op, index, shape, ms, % of total, Edge TPU verdict), the slowest ops and a PNG.

    LiteRT's Python API has no op profiler: each op is cut out into a one-op model, fed the inputs it
    had in a real run, and timed with the same kernels and threads; the whole-model time is shown beside.
    """
    from ..bench.profile import bench_profile as run_profile
    from ..bench.profile import profile_markdown, profile_png
    from ..fsutil import check_output_folder
    from ..report import write_report_folder

    if top < 1:
        raise EdgeposeError("`top` must be at least 1")
    if out is not None:
        check_output_folder(out, force, [model])
    reporter = RichReporter()
    report = run_profile(
        model, threads=threads, warmup=warmup, runs=runs,
        on_start=lambda n: reporter.start(f"profile of {model.name}", n), on_progress=lambda n: reporter.advance(n),
    )  # fmt: skip
    reporter.finish()
    text = profile_markdown(report, top)
    if out is not None:
        png = {"profile.png": profile_png(report, max(top, 20))}
        write_report_folder(out, "profile", report, text, force, [model], extra=png)
    if json_out:
        out_console.print_json(json.dumps(report))
    else:
        out_console.print(text, markup=False, highlight=False)
