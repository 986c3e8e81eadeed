"""``edgepose bundle`` and ``edgepose bundle inspect``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ..errors import EdgeposeError
from .common import app, command, out_console
from .options import CodecWhenUnsaid, Force


@command(app, "bundle")
def bundle_cmd(
    model: str = typer.Argument(..., help="int8/fp32 .tflite to bundle, or 'inspect' followed by a bundled file."),
    file: Optional[Path] = typer.Argument(None, help="With 'inspect': the bundled model to read."),
    out: Optional[Path] = typer.Option(None, "--out", help="Bundle folder (model with embedded contract, contract.json, card)."),
    version: str = typer.Option("", "--version", help="Model version string stored in the contract."),
    metrics: Optional[Path] = typer.Option(None, "--metrics", help="JSON with training data / accuracy / latency to embed."),
    card: Optional[Path] = typer.Option(None, "--card", help="Model card Markdown to ship beside the model."),
    codec: CodecWhenUnsaid = None,
    force: Force = False,
    json_out: bool = typer.Option(False, "--json", help="With 'inspect': print the whole contract as JSON."),
) -> None:
    """Embed the model's contract (input, normalisation, output, codec, keypoints); 'bundle inspect FILE' reads it."""
    from ..bundle.bundle import bundle, contract_summary, inspect_bundle
    from ..fsutil import output_folder

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
    with output_folder(out, force=force, inputs=[Path(model), metrics, card]) as folder:
        res = bundle(Path(model), folder, version, metrics, card, codec=codec)
    vectors = ", test_vectors.json" if res["test_vectors"] else " (no test vectors: float output)"
    written = out / Path(res["model"]).name
    out_console.print(f"{written}: contract embedded (+{res['overhead_bytes']} bytes); contract.json, MODEL_CARD.md{vectors}")
