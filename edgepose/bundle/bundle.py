"""``edgepose bundle``: the model with its contract embedded, a model card and the contract JSON."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from ..contract import Contract
from ..engine.metadata import read_metadata, write_metadata
from ..errors import EdgeposeError
from ..fsutil import atomic_write_json, read_json


def bundle(model: str | Path, out_dir: str | Path, version: str = "", metrics: str | Path | None = None,
           card: str | Path | None = None, codec: str | None = None) -> dict[str, Any]:  # fmt: skip
    """Write ``OUT/NAME.tflite`` (contract embedded), ``OUT/contract.json``, ``OUT/test_vectors.json`` (int8 output
    only: raw heatmaps for the mobile decoders' tests) and ``OUT/MODEL_CARD.md``
    (``card`` copied, or a short generated one); ``codec``: the heatmap codec the model was trained
    with when the file does not say (see :func:`contract_for`). Returns ``{"model", "overhead_bytes", "contract"}``."""
    src = Path(model)
    extra = read_json(metrics, "metrics file") if metrics else {}
    contract = contract_for(src, version=version, extra=extra, codec=codec)
    out = Path(out_dir)
    target = out / src.name
    if target.resolve() == src.resolve():
        raise EdgeposeError(f"`out` {out} would overwrite the input model; choose another folder")
    overhead = write_metadata(src, target, contract)
    embedded = read_metadata(target)  # the stored dict, read back through the one parser
    atomic_write_json(out / "contract.json", embedded)
    vectors = None
    if (embedded["output"].get("quantization") or {}).get("scale"):  # test vectors: raw int8 heatmaps
        vectors = atomic_write_json(out / "test_vectors.json", make_test_vectors(target))
    from .codegen import kotlin_constants, swift_constants

    (out / "PoseContract.kt").write_text(kotlin_constants(embedded))
    (out / "PoseContract.swift").write_text(swift_constants(embedded))
    if card:
        shutil.copyfile(card, out / "MODEL_CARD.md")
    else:
        i, o = embedded["input"], embedded["output"]
        (out / "MODEL_CARD.md").write_text(
            f"# {src.stem}\n\nInput {i['size_hw'][0]}x{i['size_hw'][1]} RGB {i['dtype']} ({i['pixels']}); output "
            f"{o['kind']} {o['size_hw'][0]}x{o['size_hw'][1]}x{len(embedded['keypoints'])} {o['dtype']}, stride {o['stride']:g}. "
            "The full contract is embedded in the model (`edgepose bundle inspect`).\n"
        )
    return {
        "model": str(target), "overhead_bytes": overhead, "contract": embedded,
        "test_vectors": str(vectors) if vectors else None,
    }  # fmt: skip


def make_test_vectors(model: str | Path, n: int = 3) -> dict[str, Any]:
    """Raw heatmaps of ``model`` on ``n`` rendered people with the keypoints the shared decode spec
    gives (:mod:`edgepose.bundle.decode_spec`): what the Android/iOS decoders are tested against."""

    from ..data.synth import render_image
    from ..runtime.estimator import PoseEstimator
    from ..transforms import crop_person
    from .decode_spec import test_vectors

    est = PoseEstimator(model)
    if not est.contract.output_quant[0]:
        raise EdgeposeError(f"{model}: test vectors are for int8-output models")
    raw = []
    for i in range(n):
        image, people = render_image(2024, i)
        crop, _ = crop_person(image, people[0].bbox, est.contract.input_size)
        raw.append(est.raw_heatmaps(crop))
    scale, zero = est.contract.output_quant
    return test_vectors(raw, float(scale), int(zero), est.codec.sigma, est.contract.stride, codec=_codec_name(est.codec))


def _codec_name(codec) -> str:
    """The registry name of a codec instance, refused (one line) when the mobile decoders lack it."""
    from ..codec import codec_name
    from .decode_spec import MOBILE_CODECS

    try:
        name = codec_name(codec)
    except ValueError:
        name = None
    if name not in MOBILE_CODECS:
        raise EdgeposeError(
            f"the model's codec {name or type(codec).__name__} has no mobile decoder (PoseDecoder.kt/.swift implement "
            f"{', '.join(MOBILE_CODECS)}); bundle it with one of those or decode it on the server"
        )
    return name


def inspect_bundle(path: str | Path) -> dict[str, Any]:
    """The embedded contract, or one clear error when the model has none."""
    contract = read_metadata(path)
    if contract is None:
        raise EdgeposeError(f"{path} carries no edgepose contract; bundle it with 'edgepose bundle {path} --out DIR'")
    return contract


def contract_summary(contract: dict[str, Any]) -> list[tuple[str, str]]:
    """``(field, value)`` rows a person reads first: how to feed the model and how to read it,
    then version, training data and measured figures when the contract carries them."""
    inp, out, about = contract.get("input", {}), contract.get("output", {}), contract.get("about", {}) or {}
    q_in, q_out = inp.get("quantization") or {}, out.get("quantization") or {}
    codec = out.get("codec", {})
    rows = [
        ("format", str(contract.get("format"))),
        ("model / version", f"{contract.get('model')} / {contract.get('version') or '-'}"),
        ("input", f"{'x'.join(str(v) for v in inp.get('size_hw', []))} {inp.get('colour', '?')} {inp.get('dtype', '?')}"),
        ("input quantization", f"scale {q_in.get('scale')}, zero point {q_in.get('zero_point')}" if q_in else "float"),
        ("pixels", str(inp.get("pixels", "-"))),
        ("crop", f"box x{inp.get('crop', {}).get('box_padding')} at w/h {inp.get('crop', {}).get('aspect_w_over_h')}"),
        ("output", f"{out.get('kind')} {'x'.join(str(v) for v in out.get('size_hw', []))} {out.get('dtype', '?')}"),
        ("output quantization", f"scale {q_out.get('scale')}, zero point {q_out.get('zero_point')}" if q_out else "float"),
        ("codec", f"{codec.get('name')}, sigma {codec.get('sigma')}, refine {codec.get('refine')}"),
        ("keypoints", f"{len(contract.get('keypoints', []))}: {', '.join(contract.get('keypoints', []))}"),
        ("skeleton / flip pairs", f"{len(contract.get('skeleton', []))} edges / {len(contract.get('flip_pairs', []))} pairs"),
    ]
    if about.get("datasets"):
        parts = [str(d).split(":") for d in about["datasets"]]
        names = [f"{Path(q[0]).parent.name}/{Path(q[0]).name}" + (f" x{q[2]}" if len(q) > 2 else "") for q in parts]
        rows.append(("training data", "; ".join(names)))
    if about.get("epochs"):
        rows.append(("training", f"{about.get('model')} {about.get('epochs')} epochs, {about.get('train_seconds')} s"))
    for fmt, row in (about.get("formats") or {}).items():
        if isinstance(row, dict) and row.get("AP") is not None:
            rows.append(
                (f"measured {fmt}", f"AP {row['AP']:.3f} (coco_val, GT boxes), {row.get('median_ms_1_thread')} ms at 1 thread")
            )
    return rows


def contract_for(
    model_path: str | Path, version: str = "", extra: dict[str, Any] | None = None, codec: str | None = None
) -> Contract:
    """The contract to embed in ``model_path``: the one it carries (``version`` and ``extra`` merged under
    ``about`` added), or, for a file without one, what the runtime resolves for it (input off its tensors,
    ``codec``: the registry name it was trained with, ``gaussian`` by default; edgepose's input convention).
    An explicit ``codec`` that contradicts the file's contract is refused (by the runtime, one line)."""
    from ..runtime.estimator import PoseEstimator

    est = PoseEstimator(model_path, codec=codec)
    about = {**(est.metadata.about if est.metadata else {}), **(extra or {})}
    if est.metadata is not None:
        return est.metadata.replace(version=version or est.metadata.version, about=about)
    c = est.contract
    w, h = c.input_size
    norm = None if c.identity_normalization else {"pixel_scale": c.pixel_scale, "mean": c.mean, "std": c.std}
    return Contract(input_hw=(h, w), codec=c.codec, sigma=est.codec.sigma, refine=est.codec.refine,
                    model=Path(model_path).stem, version=version, layout=c.layout, normalization=norm, about=about)  # fmt: skip
