"""No absolute machine path in anything shipped (issue 32): the package (its pretrained files and their
embedded metadata included), the README, the docs and the committed run records (checkpoints/*/*.json: a resumable
run names its pool as $POOL). Scripts under benchmarks/ may name example folders."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# /work/..., /home/..., /root/..., /tmp/..., /Users/..., C:\...: a path of the machine that wrote the file
ABSOLUTE = re.compile(rb"(?<![\w.~$-])(/(?:work|home|root|tmp|Users|mnt|data|opt|srv)/[\w.+-]+|[A-Z]:\\\\?[\w])")


def _hits(data: bytes) -> list[str]:
    return sorted({m.group(0).decode("utf-8", "replace") for m in ABSOLUTE.finditer(data)})


def _shipped_text(path: Path) -> bytes:
    if path.suffix == ".tflite":  # the embedded contract, card and metrics (weights are noise to a text pattern)
        from edgepose.engine.metadata import read_metadata

        return json.dumps(read_metadata(path) or {}).encode()
    if path.suffix in (".keras", ".png", ".npz", ".pyc"):
        return b""
    return path.read_bytes()


def test_shipped_files_carry_no_absolute_path():
    try:
        files = subprocess.run(["git", "ls-files", "edgepose", "docs", "README.md", "checkpoints/*.json"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.split()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        files = [str(p.relative_to(ROOT)) for p in (ROOT / "edgepose").rglob("*") if p.is_file()]
    found = {}
    for name in files:
        path = ROOT / name
        if path.is_file():
            hits = _hits(_shipped_text(path))
            if hits:
                found[name] = hits
    assert not found


def test_the_pattern_catches_a_machine_path():
    assert _hits(b'"datasets": ["pool.json:/work/data_ext/human:1.0"]') == ["/work/data_ext"]
    assert _hits(b"images: ../shared/data/lspet/images, $POOL, ~/data") == []
