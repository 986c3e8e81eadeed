"""``edgepose eval`` and ``edgepose predict``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ..defaults import DETECTOR_SCORE_THRESHOLD, MAX_PEOPLE, THREADS
from .common import RichReporter, app, command, out_console
from .options import CodecWhenUnsaid, Force, NormWhenUnsaid, Threads


@command(app, "eval")
def eval_(
    predictions: Path = typer.Argument(..., help="COCO keypoint results JSON."),
    gt: Path = typer.Option(..., "--gt", help="Ground-truth COCO person-keypoints JSON."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for eval.json and eval.md."),
    lsp_joints: Optional[Path] = typer.Option(None, "--lsp-joints", help="LSP joints.json: adds PCKh@0.5 (neck-head top)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    force: Force = False,
) -> None:
    """COCO keypoint AP/AR (pycocotools), PCK@0.2, PCKh@0.5 where head sizes exist, per-keypoint table."""
    from ..evaluate import evaluate, lsp_head_sizes
    from ..fsutil import check_output_folder
    from ..report import evaluation_markdown, write_report_folder

    inputs = [predictions, gt, lsp_joints]
    if out is not None:
        check_output_folder(out, force, inputs)
    heads = lsp_head_sizes(lsp_joints, gt) if lsp_joints is not None else None
    stats = evaluate(predictions, gt, head_sizes=heads)
    if out is not None:
        write_report_folder(out, "eval", stats, evaluation_markdown(stats), force, inputs)
    if json_out:
        out_console.print_json(json.dumps(stats))
    else:
        out_console.print(evaluation_markdown(stats), markup=False, highlight=False)


@command(app, "predict")
def predict(
    model: Path = typer.Argument(
        ...,
        help="Pose model: 'pretrained' (the shipped int8 pptinypose; 'pretrained:edgehrnet-m' the fast tier), "
        ".tflite (edgepose, MoveNet, PoseNet, BlazePose), "
        ".onnx or OpenVINO .xml heatmap models.",
    ),
    source: Path = typer.Argument(..., help="An image, a folder of images, or a video."),
    out: Path = typer.Option(..., "--out", help="Folder for results.json and drawn images/video."),
    coco: Optional[Path] = typer.Option(None, "--coco", help="COCO JSON: its ground-truth person boxes (evaluation protocol)."),
    threads: Threads = THREADS,
    backend: str = typer.Option(
        "auto", "--backend", help="auto (by file suffix) | litert | tflite_runtime | onnxruntime | openvino"
    ),
    flip: bool = typer.Option(False, "--flip", help="Average with the flipped crop (heatmap models)."),
    no_draw: bool = typer.Option(False, "--no-draw", help="Write results.json only."),
    contract: Optional[Path] = typer.Option(None, "--contract", help="contract.json for a model without embedded metadata."),
    normalization: NormWhenUnsaid = None,
    codec: CodecWhenUnsaid = None,
    force: Force = False,
    detector: Optional[Path] = typer.Option(
        None,
        "--detector",
        help="Person detector (default without --coco: the shipped int8 YOLOX-nano; 'none': the whole frame is one "
        "person): .tflite/.onnx YOLOX, SSD with TFLite_Detection_PostProcess, BlazePose pose_detection, PicoDet .xml.",
    ),
    det_threshold: float = typer.Option(DETECTOR_SCORE_THRESHOLD, "--det-threshold", help="Detector score threshold."),
    det_iou: Optional[float] = typer.Option(None, "--det-iou", help="Detector NMS IoU (default: the contract's)."),
    max_people: int = typer.Option(MAX_PEOPLE, "--max-people"),
    person_class: int = typer.Option(0, "--person-class", help="SSD label id of 'person'."),
    redetect_every: int = typer.Option(10, "--redetect-every", help="Video: run the detector at least every N frames."),
    min_pose_score: float = typer.Option(0.3, "--min-pose-score", help="Video: re-detect when a track's pose score drops below."),
) -> None:
    """Keypoints for every person (the shipped detector's boxes, --detector's, GT boxes with --coco, or the whole frame
    with --detector none): results JSON + drawings."""
    from ..fsutil import check_output_folder, output_folder, read_json
    from ..predict import VIDEO_SUFFIXES
    from ..predict import predict as run_predict
    from ..pretrained import PREDICT, pretrained_detector, pretrained_tflite
    from ..runtime.peers import open_pose_model

    if str(model) == "pretrained" and not model.exists():
        model = pretrained_tflite(PREDICT)
    elif str(model).startswith("pretrained:") and not model.exists():  # pretrained:edgehrnet-m, the fast tier
        model = pretrained_tflite(str(model).split(":", 1)[1])
    if detector is None and coco is None:
        detector = pretrained_detector()
    elif detector is not None and str(detector) == "none" and not detector.exists():
        detector = None
    explicit = None
    if contract is not None:
        from ..contract import parse_contract

        explicit = parse_contract(read_json(contract, "contract file"), str(contract))
    estimator = open_pose_model(
        model, threads=threads, backend=backend, flip_test=flip, contract=explicit, normalization=normalization, codec=codec
    )
    person_detector = None
    if detector is not None:
        from ..runtime.detectors import open_detector

        person_detector = open_detector(
            detector, threads, backend, score_threshold=det_threshold, iou_threshold=det_iou, max_people=max_people,
            person_class=person_class,
        )  # fmt: skip
    inputs = [model, source, coco, contract, detector]
    check_output_folder(out, force, inputs)  # before counting frames; output_folder checks again under its lock
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
    with output_folder(out, force=force, inputs=inputs) as folder:
        reporter.start(f"predict {model.name}", total)
        res = run_predict(
            estimator, source, folder, coco=coco, draw=not no_draw, on_progress=lambda n: reporter.advance(n),
            detector=person_detector, track={"redetect_every": redetect_every, "min_pose_score": min_pose_score},
        )  # fmt: skip
    calls = f"; detector on {res['detector_calls']} of {res['images']} frames" if "detector_calls" in res else ""
    reporter.finish(f"{res['people']} people in {res['images']} images/frames{calls}")
    out_console.print(f"results: {out / 'results.json'}" + (f"; drawings in {out}" if res["drawn"] else ""))
