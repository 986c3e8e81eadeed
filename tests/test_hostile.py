"""Hostile and careless use, command by command: every case must end in one line on stderr and a
non-zero exit, or in a correct result; and no input, nor any file outside the case's ``--out``,
may change (SHA-256 of every file in the sandbox before and after each case).

The CLI runs in-process (``edgepose.cli.main`` with ``sys.argv``), so TensorFlow is imported
once for the whole suite; an unexpected exception fails the case with its traceback.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from edgepose.pretrained import pretrained_keras, pretrained_tflite


def _person(aid: int, image_id: int, box=(20.0, 10.0, 60.0, 110.0), **extra) -> dict:
    x, y, w, h = box
    kps = []
    for k in range(17):
        kps += [x + w * (0.3 + 0.4 * (k % 2)), y + h * (0.1 + 0.05 * k), 2]
    return {"id": aid, "image_id": image_id, "category_id": 1, "iscrowd": 0, "bbox": list(box), "area": w * h,
            "num_keypoints": 17, "keypoints": kps, **extra}  # fmt: skip


def _doc(images: list[dict], anns: list[dict]) -> dict:
    return {"images": images, "annotations": anns, "categories": [{"id": 1, "name": "person"}]}


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory) -> Path:
    """inputs/: a model, a two-image dataset and the hostile files; out/: where cases write."""
    import cv2

    root = tmp_path_factory.mktemp("hostile")
    inp = root / "inputs"
    (inp / "images").mkdir(parents=True)
    (root / "out").mkdir()
    rng = np.random.default_rng(0)
    images = []
    for i in (1, 2):
        cv2.imwrite(str(inp / "images" / f"{i}.jpg"), rng.integers(0, 255, (140, 100, 3), dtype=np.uint8))
        images.append({"id": i, "file_name": f"{i}.jpg", "width": 100, "height": 140})
    good = _doc(images, [_person(1, 1), _person(2, 2)])
    files = {
        "good.json": good,
        "escape.json": _doc([{**images[0], "file_name": "../../victim/1.jpg"}], [_person(1, 1)]),
        "absolute.json": _doc([{**images[0], "file_name": "/etc/passwd"}], [_person(1, 1)]),
        "zero_box.json": _doc(images[:1], [_person(1, 1, box=(20.0, 10.0, 0.0, 0.0))]),
        "empty.json": _doc(images, []),
        "list.json": [],
        "no_images.json": {"annotations": []},
        "bad_avail.json": {**good, "info": {"available_keypoints": ["x"]}},
        "bad_pseudo.json": _doc(images[:1], [_person(1, 1, pseudo_keypoints=["nose"])]),
        "missing_image.json": _doc([{**images[0], "file_name": "gone.jpg"}], [_person(1, 1)]),
        "off_image.json": _doc(images[:1], [{**_person(1, 1), "keypoints": [5000.0, 5000.0, 2] * 17}]),
        "preds_good.json": [{"image_id": 1, "category_id": 1, "keypoints": _person(1, 1)["keypoints"], "score": 1.0}],
        "preds_no_score.json": [{"image_id": 1, "category_id": 1, "keypoints": _person(1, 1)["keypoints"]}],
        "preds_str_score.json": [{"image_id": 1, "category_id": 1, "keypoints": _person(1, 1)["keypoints"], "score": "hi"}],
        "preds_str_kps.json": [{"image_id": 1, "category_id": 1, "keypoints": "nose", "score": 1.0}],
        "preds_empty.json": [],
    }
    for name, doc in files.items():
        (inp / name).write_text(json.dumps(doc))
    (inp / "deep.json").write_text("[" * 200_000 + "]" * 200_000)
    (inp / "huge.json").write_text(json.dumps(good).replace('"area": 6600.0', '"area": 1' + "0" * 400, 1))
    (inp / "nan.json").write_text(json.dumps(good).replace('"area": 6600.0', '"area": NaN', 1))
    (inp / "preds_nan.json").write_text(json.dumps(files["preds_good.json"]).replace('"score": 1.0', '"score": NaN'))
    (inp / "truncated").mkdir()
    data = (inp / "images" / "1.jpg").read_bytes()
    (inp / "truncated" / "1.jpg").write_bytes(data[: len(data) // 2])
    (inp / "truncated.json").write_text(json.dumps(_doc(images[:1], [_person(1, 1)])))
    (inp / "corrupt.tflite").write_bytes(b"TFL3" + bytes(rng.integers(0, 255, 4000, dtype=np.uint8)))
    (inp / "text.keras").write_text("not a keras archive")
    shutil.copy(pretrained_tflite(), inp / "model.tflite")
    shutil.copy(pretrained_keras(), inp / "model.keras")
    from edgepose.quantize.convert import quantize
    from edgepose.train import load_model

    quantize(load_model(inp / "model.keras"), inp / "f32.tflite", "fp32")  # bundling a float model must work too
    (inp / "models").mkdir()
    shutil.copy(pretrained_tflite(), inp / "models" / "m.tflite")
    # an earlier report folder (made by edgepose) and a user's own folder
    for name in ("earlier", "users_folder"):
        (root / "out" / name).mkdir()
        (root / "out" / name / "accuracy.json").write_text("{}")
    (root / "out" / "earlier" / ".edgepose-output").write_text("")
    (root / "out" / "earlier_file.png").write_bytes(b"old")
    (root / "out" / "dir.png").mkdir()
    return root


def _checksums(root: Path) -> dict[Path, str]:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def _inside(path: Path, folder: Path | None) -> bool:
    return folder is not None and (path == folder or folder in path.parents)


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    from edgepose.cli import main

    saved = sys.argv
    sys.argv = ["edgepose", *argv]
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = saved
    out, err = capsys.readouterr()
    return code, out, err


M, K, IMG, C = "{in}/model.tflite", "{in}/model.keras", "{in}/images", "{in}/corrupt.tflite"
BAD_ANNOTATIONS = [
    ("escape.json", "leaves the images folder"),
    ("absolute.json", "absolute path"),
    ("deep.json", "nests too deeply"),
    ("huge.json", "out of range"),
    ("nan.json", "not a number"),
    ("list.json", ""),
    ("no_images.json", "images"),
    ("bad_avail.json", "available_keypoints"),
    ("bad_pseudo.json", "pseudo_keypoints"),
    ("zero_box.json", "bbox"),
]
READERS = [  # commands that read an annotation file: {ann} is replaced per case
    ["data", "check", "{ann}", "--images", IMG],
    ["data", "show", "{ann}", "--images", IMG, "--out", "{out}.png"],
    ["bench", "accuracy", M, "--data", "{ann}", "--images", IMG],
    ["predict", M, IMG, "--coco", "{ann}", "--out", "{out}"],
    ["calib", "build", "--data", "{ann}", "--images", IMG, "--out", "{out}"],
    ["train", "{ann}", "--images", IMG, "--out", "{out}", "--epochs", "1"],
    ["eval", "{in}/preds_good.json", "--gt", "{ann}"],
]
CASES: list[tuple[str, list[str], str | None]] = []  # (id, argv, expected error text or None for success)
for reader in READERS:
    for ann, why in BAD_ANNOTATIONS:
        if reader[0] == "eval" and ann in ("escape.json", "absolute.json", "zero_box.json"):
            continue  # eval reads no images and no boxes
        CASES.append((f"{'-'.join(reader[:2])}:{ann}", [a.replace("{ann}", f"{{in}}/{ann}") for a in reader], why))
CASES += [
    # outputs: never an input, never inside or around one, never another run's or the user's files
    ("show-out-is-input", ["data", "show", "{in}/good.json", "--images", IMG, "--out", "{in}/good.json"], "is the input"),
    ("show-out-is-input-png", ["data", "show", "{in}/good.json", "--images", "{in}/images", "--out", "{in}/images/1.png"],
     "lies inside the input folder"),
    ("show-out-is-dir", ["data", "show", "{in}/good.json", "--images", IMG, "--out", "{outdir}/dir.png"], "is a folder"),
    ("predict-out-is-source", ["predict", M, IMG, "--out", IMG, "--force"], "is the input"),
    ("predict-out-holds-source", ["predict", M, IMG, "--out", "{in}", "--force"], "contains the input"),
    ("predict-out-inside-source", ["predict", M, IMG, "--out", "{in}/images/x"], "lies inside the input folder"),
    ("bundle-out-holds-model", ["bundle", "{in}/models/m.tflite", "--out", "{in}/models", "--force"], "contains the input"),
    ("quantize-out-is-input", ["quantize", K, "--out", K, "--format", "fp32", "--force"], "is the input"),
    ("export-onnx-out-is-input", ["export-onnx", K, "--out", K, "--force"], "is the input"),
    ("convert-out-is-input", ["convert", "{in}/good.json", "--out", "{in}/good.json", "--force"], "is the input"),
    ("convert-unknown-codec", ["convert", "{in}/good.json", "--out", "{out}.tflite", "--format", "fp32", "--codec", "bogus"],
     "unknown codec 'bogus'"),
    ("eval-out-holds-predictions", ["eval", "{in}/preds_good.json", "--gt", "{in}/good.json", "--out", "{in}"], "contains"),
    ("accuracy-over-earlier", ["bench", "accuracy", M, "--data", "{in}/good.json", "--images", IMG,
                               "--out", "{root}/out/earlier"], "pass --force"),
    ("accuracy-force-over-users", ["bench", "accuracy", M, "--data", "{in}/good.json", "--images", IMG,
                                   "--out", "{root}/out/users_folder", "--force"], "did not write"),
    ("show-over-existing-file", ["data", "show", "{in}/good.json", "--images", IMG, "--out", "{root}/out/earlier_file.png"],
     "pass --force"),
    ("teacher-label-out-is-input", ["data", "teacher-label", "{in}/good.json", "--images", IMG, "--teacher", M,
                                    "--out", "{in}/good.json", "--force"], "is the input"),
    ("pseudo-label-out-is-input", ["data", "pseudo-label", "{in}/good.json", "--images", IMG, "--teacher", M,
                                   "--out", "{in}/good.json", "--force"], "is the input"),
    # numbers out of range
    ("predict-threads", ["predict", M, IMG, "--out", "{out}", "--threads", "99999"], "--threads must be between"),
    ("latency-threads", ["bench", "latency", M, "--threads", "99999"], "--threads must be between"),
    ("accuracy-threads", ["bench", "accuracy", M, "--data", "{in}/good.json", "--images", IMG, "--threads", "0"], "--threads"),
    ("latency-runs", ["bench", "latency", M, "--runs", "1000000000000"], "--runs"),
    ("latency-runs-float", ["bench", "latency", M, "--runs", "1e12"], "--runs"),
    ("calib-huge-input", ["calib", "build", "--synthetic", "--out", "{out}", "--input", "99968x99968"], "at most"),
    ("train-negative-lr", ["train", "{in}/good.json", "--images", IMG, "--out", "{out}", "--lr", "-1"], "--lr"),
    ("det-threshold", ["predict", M, IMG, "--out", "{out}", "--detector", M, "--det-threshold", "2"], "--det-threshold"),
    ("det-iou", ["predict", M, IMG, "--out", "{out}", "--detector", M, "--det-iou", "-3"], "--det-iou"),
    ("max-people", ["predict", M, IMG, "--out", "{out}", "--detector", M, "--max-people", "-1"], "--max-people"),
    ("pseudo-min-score", ["data", "pseudo-label", "{in}/good.json", "--images", IMG, "--teacher", M, "--out", "{out}.json",
                          "--min-score", "-1"], "--min-score"),
    ("truncate-prob", ["train", "{in}/good.json", "--images", IMG, "--out", "{out}", "--truncate", "2"], "--truncate"),
    # broken models and images
    ("predict-corrupt-model", ["predict", C, IMG, "--out", "{out}"], ""),
    ("latency-corrupt-model", ["bench", "latency", C], ""),
    ("accuracy-corrupt-model", ["bench", "accuracy", C, "--data", "{in}/good.json", "--images", IMG], ""),
    ("bundle-corrupt-model", ["bundle", C, "--out", "{out}"], ""),
    ("edgetpu-corrupt-model", ["edgetpu", "check", C], ""),
    ("quantize-text-keras", ["quantize", "{in}/text.keras", "--out", "{out}.tflite"], ""),
    ("accuracy-text-keras", ["bench", "accuracy", "{in}/text.keras", "--data", "{in}/good.json", "--images", IMG], ""),
    ("accuracy-truncated-jpeg", ["bench", "accuracy", M, "--data", "{in}/truncated.json", "--images", "{in}/truncated"],
     "truncated"),
    ("predict-truncated-jpeg", ["predict", M, "{in}/truncated/1.jpg", "--out", "{out}"], "truncated"),
    ("train-missing-image", ["train", "{in}/missing_image.json", "--images", IMG, "--out", "{out}"], "not found"),
    ("train-nothing-to-learn", ["train", "{in}/off_image.json", "--images", IMG, "--out", "{out}", "--batch", "1"],
     "nothing to learn"),
    # evaluation nonsense
    ("eval-no-score", ["eval", "{in}/preds_no_score.json", "--gt", "{in}/good.json"], "score"),
    ("eval-string-score", ["eval", "{in}/preds_str_score.json", "--gt", "{in}/good.json"], "score"),
    ("eval-string-keypoints", ["eval", "{in}/preds_str_kps.json", "--gt", "{in}/good.json"], "keypoints"),
    ("eval-nan", ["eval", "{in}/preds_nan.json", "--gt", "{in}/good.json"], "not a number"),
    ("eval-no-predictions", ["eval", "{in}/preds_empty.json", "--gt", "{in}/good.json"], "no predictions"),
    ("eval-empty-gt", ["eval", "{in}/preds_good.json", "--gt", "{in}/empty.json"], ""),
    ("check-list", ["data", "check", "{in}/list.json", "--images", IMG], ""),
    # correct results: a fresh --out, and --force over edgepose's own earlier output
    ("ok-predict", ["predict", M, IMG, "--out", "{out}"], None),
    ("ok-accuracy-force-over-earlier", ["bench", "accuracy", M, "--data", "{in}/good.json", "--images", IMG,
                                        "--out", "{root}/out/earlier", "--force"], None),
    ("ok-bundle-fp32", ["bundle", "{in}/f32.tflite", "--out", "{out}"], None),
    ("ok-eval", ["eval", "{in}/preds_good.json", "--gt", "{in}/good.json", "--out", "{out}"], None),
]  # fmt: skip


@pytest.mark.parametrize("argv, expected", [pytest.param(a, e, id=i) for i, a, e in CASES])
def test_hostile_case(sandbox, capsys, request, argv, expected):
    case_out = sandbox / "out" / request.node.callspec.id.replace(":", "_").replace("/", "_")
    args = [a.format(**{"in": sandbox / "inputs", "out": case_out, "outdir": sandbox / "out", "root": sandbox}) for a in argv]
    out_arg = Path(args[args.index("--out") + 1]) if "--out" in args else None
    before = _checksums(sandbox)
    code, out, err = _run(args, capsys)
    lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("✓")]  # finished progress bars may stay
    after = _checksums(sandbox)
    outside = {p: h for p, h in before.items() if not _inside(p, out_arg)}
    assert outside == {p: h for p, h in after.items() if not _inside(p, out_arg)}, "an input or a file outside --out changed"
    if expected is not None:  # a refused run changes nothing that was there, --out included
        assert all(after.get(p) == h for p, h in before.items()), "a refused run changed an existing file"
    assert "Traceback" not in err
    if expected is None:
        assert code == 0, err
        return
    assert code != 0, f"exit 0 for a bad case; stdout: {out[-300:]}"
    assert len(lines) == 1, err
    assert expected in lines[0], lines[0]
    assert not any(p.name.startswith(f".{case_out.name}.") for p in case_out.parent.iterdir())  # no temporary leftovers


def test_the_suite_covers_every_writing_command():
    """Every command with --out appears in the suite at least once (a new command must join it)."""
    covered = {tuple(a[:2]) if a[0] in ("data", "bench", "calib", "edgetpu") else (a[0],) for _, a, _ in CASES}
    for cmd in [("data", "show"), ("data", "check"), ("data", "teacher-label"), ("data", "pseudo-label"), ("bench", "accuracy"),
                ("calib", "build"), ("predict",), ("train",), ("eval",), ("bundle",), ("quantize",), ("export-onnx",),
                ("convert",)]:  # fmt: skip
        assert cmd in covered, cmd
    assert len(CASES) >= 100
