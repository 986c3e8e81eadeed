"""File-system habits: atomic writes and output folders that are never silently overwritten."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable

from .errors import EdgeposeError


def prepare_output_dir(path: str | os.PathLike, force: bool = False) -> Path:
    """Create ``path`` as an empty output folder.

    An existing non-empty folder is refused unless ``force`` is set, in which case it is
    emptied first. Raises :class:`EdgeposeError` when the folder cannot be created.
    """
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise EdgeposeError(f"output path {out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise EdgeposeError(f"output folder {out} already exists and is not empty; pass `force` to overwrite it")
        for child in out.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=out, prefix=".write-test-", delete=True)
        probe.close()
    except OSError as exc:
        raise EdgeposeError(f"cannot write to output folder {out}: {exc.strerror or exc}") from None
    return out


def ensure_writable_parent(path: str | os.PathLike) -> Path:
    """Return ``path`` as a Path after checking that its folder exists or can be made, and is writable."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EdgeposeError(f"cannot create folder {target.parent}: {exc.strerror or exc}") from None
    if not os.access(target.parent, os.W_OK):
        raise EdgeposeError(f"cannot write to {target.parent}: permission denied")
    return target


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` and rename the result onto ``path`` (same folder, atomic on POSIX)."""
    target = ensure_writable_parent(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=target.suffix or ".tmp")
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp_path, target)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return target


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    return atomic_write(path, lambda p: p.write_bytes(data))


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def atomic_write_json(path: str | os.PathLike, obj: Any) -> Path:
    return atomic_write_text(path, json.dumps(obj, indent=1) + "\n")


def read_json(path: str | os.PathLike, what: str = "JSON file") -> Any:
    """Load a JSON file, turning missing/corrupt files into one-line errors."""
    p = Path(path)
    if not p.is_file():
        raise EdgeposeError(f"{what} not found: {p}")
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EdgeposeError(f"{what} {p} is not valid JSON: {exc}") from None
    except RecursionError:
        raise EdgeposeError(f"{what} {p} nests too deeply to be a dataset or report") from None
    except IsADirectoryError:
        raise EdgeposeError(f"{what} {p} is a folder, not a file") from None
