"""``edgepose data ...``: synthesise, import, check, show, pseudo-label, teacher-label, copy-paste."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..defaults import INPUT_TEXT, THREADS
from ..errors import EdgeposeError
from .common import RichReporter, command, out_console, parse_size
from .options import CodecWhenUnsaid, Force, NormWhenUnsaid, Threads

data_app = typer.Typer(help="Datasets: synthesise, import YOLO trees, check, show, teacher labels.", no_args_is_help=True)


@command(data_app, "synth")
def synth(
    out: Path = typer.Option(..., "--out", help="Output folder (created; must be empty unless --force)."),
    n: int = typer.Option(200, "-n", help="Number of images."),
    seed: int = typer.Option(0, "--seed", help="Dataset seed: same seed, same images."),
    force: Force = False,
) -> None:
    """Render a procedural dataset of people in COCO person-keypoint format."""
    from ..data.synth_writer import MAX_IMAGES, write_synth
    from ..fsutil import output_folder

    if not (1 <= n <= MAX_IMAGES):
        raise EdgeposeError(f"-n must be between 1 and {MAX_IMAGES}, got {n}")
    rep = RichReporter()
    with output_folder(out, force=force) as folder:
        rep.start("synthesise", n)
        path = write_synth(folder, n, seed=seed, on_progress=rep.advance)
    rep.finish(str(out / Path(path).relative_to(folder)))


@command(data_app, "pseudo-label")
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
    threads: Threads = THREADS,
    force: Force = False,
) -> None:
    """Fill absent keypoints (e.g. LSPET's face) with teacher pseudo-labels where teachers agree (marked for --pseudo-weight)."""
    from ..data.coco import load_coco
    from ..data.pseudo import pseudo_label
    from ..fsutil import atomic_write_json, check_apart, output_file
    from ..keypoints import COCO_KEYPOINTS

    inputs = [annotations, images, *teacher, lsp_joints]
    check_apart(out, inputs)
    if out.exists() and not force:
        raise EdgeposeError(f"{out} exists; pass --force to overwrite it")
    rep = RichReporter()
    rep.start("pseudo-label", len(load_coco(annotations)["images"]))
    doc, counts = pseudo_label(
        annotations, images, teacher, min_score=min_score, agree=agree, lsp_joints=lsp_joints, threads=threads,
        on_progress=rep.advance, position=position,
    )  # fmt: skip
    with output_file(out, force=force, inputs=inputs) as tmp:
        atomic_write_json(tmp, doc)
    per = ", ".join(f"{COCO_KEYPOINTS[k]} {n}" for k, n in sorted(counts["per_keypoint"].items()))
    rej = counts["rejected"]
    rep.finish(f"{counts['filled']} keypoints filled for {counts['people']} people ({per or 'none'})")
    out_console.print(
        f"rejected: score {rej['score']}, disagreement {rej['agree']}, inconsistent {rej['consistency']}; wrote {out}"
    )


@command(data_app, "teacher-label")
def teacher_label_cmd(
    source: Path = typer.Argument(..., help="COCO person-keypoints JSON, or a folder of unlabelled photos."),
    teacher: Path = typer.Option(..., "--teacher", help="Teacher pose model: .xml (OpenVINO IR), .onnx or .tflite."),
    out: Path = typer.Option(..., "--out", help="New annotation JSON with teacher_keypoints (the input is never modified)."),
    images: Optional[Path] = typer.Option(None, "--images", help="Images folder of an annotation file."),
    detector: Optional[Path] = typer.Option(
        None, "--detector", help="Person detector for a photo folder (default: whole frames)."
    ),
    normalization: NormWhenUnsaid = None,
    codec: CodecWhenUnsaid = None,
    min_score: float = typer.Option(0.3, "--min-score", help="Photo folders: people under this mean teacher score are dropped."),
    threads: Threads = THREADS,
    force: Force = False,
) -> None:
    """Teacher keypoints for every person (distillation): human labels are kept, train with --teacher-weight."""
    from ..data.distill import teacher_label_source
    from ..fsutil import atomic_write_json, check_apart, output_file

    inputs = [source, teacher, images, detector]
    check_apart(out, inputs)
    if out.exists() and not force:
        raise EdgeposeError(f"{out} exists; pass --force to overwrite it")
    rep = RichReporter()
    doc = teacher_label_source(
        source, teacher, images=images, detector=detector, threads=threads, normalization=normalization, codec=codec,
        min_score=min_score, on_start=lambda n: rep.start("teacher-label", n), on_progress=rep.advance,
    )  # fmt: skip
    with output_file(out, force=force, inputs=inputs) as tmp:
        atomic_write_json(tmp, doc)
    labelled = sum("teacher_keypoints" in a for a in doc["annotations"])
    rep.finish(f"{labelled} people labelled by {teacher.name}; wrote {out}")


@command(data_app, "copy-paste")
def copy_paste_cmd(
    annotations: Path = typer.Argument(..., help="COCO person-keypoints JSON whose people have polygon segmentations."),
    images: Path = typer.Option(..., "--images", help="Folder the JSON's file_name entries are relative to."),
    out: Path = typer.Option(..., "--out", help="Output folder (images/ + person_keypoints.json)."),
    n: int = typer.Option(500, "-n", help="Number of images."),
    seed: int = typer.Option(0, "--seed"),
    backgrounds: Optional[Path] = typer.Option(
        None, "--backgrounds", help="Folder of images with no people (default: procedural)."
    ),
    force: Force = False,
) -> None:
    """Cut people out by their segmentation and paste them onto other backgrounds: a new COCO dataset."""
    from ..data.copy_paste import write_copy_paste
    from ..fsutil import output_folder

    if n < 1:
        raise EdgeposeError(f"-n must be at least 1, got {n}")
    rep = RichReporter()
    with output_folder(out, force=force, inputs=[annotations, images, backgrounds]) as folder:
        rep.start("copy-paste", n)
        path = write_copy_paste(annotations, images, folder, n, seed=seed, backgrounds=backgrounds, on_progress=rep.advance)
    rep.finish(str(out / Path(path).relative_to(folder)))


@command(data_app, "check")
def check(
    annotations: Path = typer.Argument(..., help="COCO person-keypoints JSON."),
    images: Path = typer.Option(..., "--images", help="Folder the JSON's file_name entries are relative to."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for check.json and check.md."),
    force: Force = False,
) -> None:
    """Validate a dataset: structure, ids, keypoints, boxes, image files; exit 1 on errors."""
    from ..data.check import check_dataset, check_markdown
    from ..fsutil import check_output_folder, read_json
    from ..report import write_report_folder

    if out is not None:
        check_output_folder(out, force, [annotations, images])
    doc = read_json(annotations, "annotation file")
    total = len(doc.get("images", [])) if isinstance(doc, dict) and isinstance(doc.get("images"), list) else None
    rep = RichReporter()
    rep.start("check images", total)
    report = check_dataset(annotations, images, on_progress=rep.advance)
    rep.finish(f"{report['images']} images")
    text = check_markdown(report)
    if out is not None:
        write_report_folder(out, "check", report, text, force, [annotations, images])
    out_console.print(text, markup=False, highlight=False)
    if not report["ok"]:
        raise EdgeposeError(f"{annotations}: {report['errors_total']} errors (first: {report['errors'][0]})")


@command(data_app, "show")
def show(
    annotations: Path = typer.Argument(..., help="COCO person-keypoints JSON."),
    images: Path = typer.Option(..., "--images"),
    out: Path = typer.Option(Path("samples.png"), "--out", help="PNG grid to write."),
    n: int = typer.Option(16, "-n", help="Number of people."),
    augment: bool = typer.Option(False, "--augment", help="Show training crops with augmentation and decoded targets."),
    input_size: str = typer.Option(INPUT_TEXT, "--input", help="Crop size HEIGHTxWIDTH for --augment."),
    seed: int = typer.Option(0, "--seed"),
    force: Force = False,
) -> None:
    """Draw samples with their skeletons into a PNG grid."""
    from ..data.show import show_samples
    from ..fsutil import check_apart, output_file

    if n < 1:
        raise EdgeposeError(f"-n must be at least 1, got {n}")
    check_apart(out, [annotations, images])
    if out.suffix.lower() != ".png":
        raise EdgeposeError(f"--out {out} must name a .png file")
    size = parse_size(input_size)
    with output_file(out, force=force, inputs=[annotations, images]) as tmp:
        show_samples(annotations, images, tmp, n=n, augment=augment, input_size=size, seed=seed)
    out_console.print(f"wrote {out}")


@command(data_app, "import")
def import_cmd(
    root: Path = typer.Argument(..., help="YOLO / YOLO-pose tree: <split>/images + <split>/labels (+ data.yaml)."),
    out: Path = typer.Option(..., "--out", help="COCO person-keypoints JSON to write (file names relative to ROOT)."),
    keypoints_from: Optional[Path] = typer.Option(
        None, "--keypoints-from", help="Folder of per-image YOLO-pose files named by COCO id (000000123456.txt) to merge."
    ),
    min_height: float = typer.Option(0.0, "--min-height", help="Drop people whose box is under this many pixels tall."),
    force: Force = False,
) -> None:
    """Import a YOLO or YOLO-pose label tree (Roboflow, Ultralytics) as COCO person keypoints."""
    from ..data.yolo_import import import_yolo
    from ..fsutil import atomic_write_json, check_apart, output_file

    inputs = [root, keypoints_from]
    check_apart(out, inputs)
    if out.exists() and not force:
        raise EdgeposeError(f"{out} exists; pass --force to overwrite it")
    rep = RichReporter()
    coco, report = import_yolo(
        root, keypoints_from=keypoints_from, min_height=min_height,
        on_start=lambda n: rep.start("import", n), on_progress=rep.advance,
    )  # fmt: skip
    with output_file(out, force=force, inputs=inputs) as tmp:
        atomic_write_json(tmp, coco)
    rep.finish(f"{report.images} images, {report.people} people; wrote {out}")
    splits = ", ".join(f"{k} {v}" for k, v in sorted(report.splits.items()))
    dropped = ", ".join(f"{why} {n}" for why, n in sorted(report.dropped.items())) or "none"
    out_console.print(f"splits: {splits}; images without a label file: {report.images_without_labels}")
    out_console.print(
        f"people with keypoints: {report.people_with_keypoints} "
        f"(of them {report.keypoint_people_added} added from --keypoints-from without a box in the tree)"
    )
    out_console.print(f"dropped: {dropped}")
    out_console.print(
        f"sources: {report.sources}; {report.duplicate_sources} exported more than once "
        f"({report.duplicate_images} extra copies), grouped in images[].group so no split separates them"
    )
