"""Run Google's ``edgetpu_compiler`` when it is installed (it is not installable everywhere)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from ..errors import EdgeposeError, missing_file


def compile_edgetpu(model: str | Path, out_dir: str | Path | None = None, timeout_s: int = 600) -> dict[str, Any]:
    """``edgetpu_compiler -o OUT MODEL``; returns ``{"model", "compiled", "log"}``.

    Raises EdgeposeError when the compiler is not on PATH or fails. The input is never modified
    (the compiler writes ``NAME_edgetpu.tflite`` and a log into ``out_dir``).
    """
    src = Path(model)
    if not src.is_file():
        raise missing_file(src)
    exe = shutil.which("edgetpu_compiler")
    if exe is None:
        raise EdgeposeError(
            "edgetpu_compiler is not on PATH (Google ships it for x86-64 Debian/Ubuntu only); "
            "'edgepose edgetpu check' predicts its mapping offline"
        )
    out = Path(out_dir) if out_dir else src.parent
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / src.name
        shutil.copyfile(src, copy)
        res = subprocess.run([exe, "-s", "-o", str(out), str(copy)], capture_output=True, text=True, timeout=timeout_s)
    if res.returncode != 0:
        last = (res.stderr or res.stdout).strip().splitlines()
        raise EdgeposeError(f"edgetpu_compiler failed on {src}: {last[-1] if last else 'exit ' + str(res.returncode)}")
    return {"model": str(src), "compiled": str(out / f"{src.stem}_edgetpu.tflite"), "log": res.stdout}
