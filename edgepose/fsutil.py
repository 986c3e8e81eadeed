"""File-system habits: the one output policy, atomic writes, bounded JSON reads.

The output policy (every command that writes goes through it):

- ``out`` is resolved and must lie apart from every input: it may not be an input, contain one or
  lie inside one (:func:`check_apart`);
- one writer per ``out``: a lock file beside it (:func:`output_lock`), so a second run fails with
  one line instead of mixing results;
- an existing non-empty output is replaced only with ``force``, and ``force`` only ever removes
  edgepose's own earlier outputs: folders carrying :data:`OUTPUT_MARKER`, which every output
  folder gets;
- results are built in a temporary sibling and renamed into place at the end
  (:func:`output_folder`, :func:`output_file`, :func:`atomic_write`): a failed or interrupted run
  leaves the old output (or nothing), never half of one. Long runs that must survive a crash
  (``train``, ``pipeline``) write in place with the same checks (:func:`prepare_output_dir`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from .errors import EdgeposeError

OUTPUT_MARKER = ".edgepose-output"  # in every output folder edgepose made; `force` removes only such folders' contents
MAX_JSON_DEPTH = 64  # datasets, predictions and reports nest a few levels; deeper is hostile


def _resolved(path: str | os.PathLike) -> Path:
    return Path(path).expanduser().resolve(strict=False)


def check_apart(out: str | os.PathLike, inputs: Iterable[str | os.PathLike | None], what: str = "out") -> Path:
    """``out`` resolved, after checking it is not one of ``inputs``, does not contain one and does
    not lie inside one (an input folder). Raises :class:`EdgeposeError` naming ``what`` and the input."""
    target = _resolved(out)
    for item in inputs:
        if item is None:
            continue
        src = _resolved(item)
        if target == src:
            raise EdgeposeError(f"`{what}` {out} is the input {item}; inputs are never modified, choose another path")
        if src.is_relative_to(target):
            raise EdgeposeError(f"`{what}` {out} contains the input {item}; choose a folder apart from the inputs")
        if target.is_relative_to(src) and src.is_dir():
            raise EdgeposeError(f"`{what}` {out} lies inside the input folder {item}; choose a folder apart from the inputs")
    return target


@contextlib.contextmanager
def output_lock(out: str | os.PathLike) -> Iterator[Path]:
    """Hold ``.<name>.lock`` beside ``out`` (an advisory ``flock``, freed when the process dies)
    while writing ``out``; a second writer gets one line instead of mixing its results in."""
    target = Path(out)
    ensure_writable_parent(target)
    lock = target.parent / f".{target.name}.lock"
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock, the rest of the policy still holds
        yield lock
        return
    fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise EdgeposeError(
                f"another edgepose run is writing to {out} (lock {lock}); wait for it to finish or choose another `out`"
            ) from None
        try:
            yield lock
        finally:
            with contextlib.suppress(OSError):
                lock.unlink()
    finally:
        os.close(fd)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def temp_prefix(target: Path) -> str:
    """The name prefix of ``target``'s temporary siblings: ``.<name>.<pid>.``; the pid lets a later
    run tell a dead writer's leftovers (a killed ``quantize``) from a live one's."""
    return f".{target.name}.{os.getpid()}."


def sweep_stale_temps(target: Path) -> list[Path]:
    """Remove temporary siblings of ``target`` left by writers that died (their pid is gone);
    returns what was removed. Live writers' files are kept."""
    removed = []
    head = f".{target.name}."
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        rest = entry.name[len(head) :] if entry.name.startswith(head) else ""
        pid_text = rest.split(".", 1)[0]
        if not pid_text.isdigit() or "." not in rest or _pid_alive(int(pid_text)):
            continue
        with contextlib.suppress(OSError):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry)
    return removed


def _check_replaceable(out: Path, force: bool) -> bool:
    """True when ``out`` is an existing non-empty folder that may be replaced; raises otherwise."""
    if out.exists() and not out.is_dir():
        raise EdgeposeError(f"output path {out} exists and is not a folder")
    if not (out.is_dir() and any(out.iterdir())):
        return False
    if not force:
        raise EdgeposeError(f"output folder {out} already exists and is not empty; pass `force` to overwrite it")
    if not (out / OUTPUT_MARKER).is_file():
        raise EdgeposeError(
            f"output folder {out} holds files edgepose did not write; `force` only replaces edgepose's own outputs: "
            "choose a new or empty folder"
        )
    return True


def check_output_folder(out: str | os.PathLike, force: bool, inputs: Iterable[str | os.PathLike | None] = ()) -> Path:
    """Refuse early (before the work) what :func:`output_folder` would refuse at the end: ``out``
    inside or over an input, or an existing non-empty folder without ``force``."""
    path = check_apart(out, inputs)
    _check_replaceable(path, force)
    _probe_writable(Path(out))
    return path


def _probe_writable(out: Path) -> None:
    """Fail before the work when ``out`` (an existing folder, e.g. a read-only mount) or the folder
    it will be made in cannot take a file."""
    where = out if out.is_dir() else ensure_writable_parent(out).parent
    try:
        probe = tempfile.NamedTemporaryFile(dir=where, prefix=".write-test-", delete=True)
        probe.close()
    except OSError as exc:
        raise EdgeposeError(f"cannot write to {where}: {exc.strerror or exc}") from None


def _empty(folder: Path, keep: Path | None = None) -> None:
    """Remove every entry of ``folder`` except ``keep`` (symbolic links are removed, not followed)."""
    for child in list(folder.iterdir()):
        if child == keep:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def _mark(folder: Path) -> None:
    (folder / OUTPUT_MARKER).write_text("made by edgepose; `force` may replace this folder's contents\n")


def prepare_output_dir(path: str | os.PathLike, force: bool = False, inputs: Iterable[str | os.PathLike | None] = ()) -> Path:
    """Create ``path`` as an empty output folder to write in place (long runs whose checkpoints
    must survive a crash). The policy of the module docstring: apart from ``inputs``; an existing
    non-empty folder is refused unless ``force`` and edgepose made it, in which case it is
    emptied first. Raises :class:`EdgeposeError` when the folder cannot be created.
    """
    out = Path(path)
    check_apart(out, inputs)
    if _check_replaceable(out, force):
        _empty(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=out, prefix=".write-test-", delete=True)
        probe.close()
        _mark(out)
    except OSError as exc:
        raise EdgeposeError(f"cannot write to output folder {out}: {exc.strerror or exc}") from None
    return out


@contextlib.contextmanager
def output_folder(
    path: str | os.PathLike, force: bool = False, inputs: Iterable[str | os.PathLike | None] = ()
) -> Iterator[Path]:
    """Build an output folder in a temporary sibling and rename it onto ``path`` when the block
    ends without error (the old output, if ``force`` allowed replacing it, goes only then). On an
    error the temporary folder is removed and ``path`` is as it was. Yields the folder to write in;
    paths inside it map to the final ones with ``path / p.relative_to(tmp)``.

    A folder that cannot be renamed or removed (a mount point: a Docker volume, a USB stick) is
    kept: the temporary folder is made inside it and its entries are moved up at the end (the old
    entries, with ``force``, go only then)."""
    out = Path(path)
    check_apart(out, inputs)
    with output_lock(out):
        replace = _check_replaceable(out, force)
        in_place = out.is_dir() and (os.path.ismount(out) or not replace)
        parent = out if in_place else out.parent
        try:
            sweep_stale_temps(out)
            tmp = Path(tempfile.mkdtemp(dir=parent, prefix=temp_prefix(out) + "partial-"))
        except OSError as exc:
            raise EdgeposeError(f"cannot write to {parent}: {exc.strerror or exc}") from None
        try:
            yield tmp
            _mark(tmp)
            if in_place:
                _empty(out, keep=tmp)  # with force: edgepose's own earlier output
                for child in list(tmp.iterdir()):
                    os.replace(child, out / child.name)
                tmp.rmdir()
            elif replace:
                os.chmod(tmp, 0o777 & ~_umask())
                old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old-"))
                os.replace(out, old / out.name)
                os.replace(tmp, out)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.chmod(tmp, 0o777 & ~_umask())
                os.replace(tmp, out)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


@contextlib.contextmanager
def output_file(path: str | os.PathLike, force: bool = False, inputs: Iterable[str | os.PathLike | None] = ()) -> Iterator[Path]:
    """Write one output file through a temporary sibling renamed onto ``path`` at the end, under
    the policy of the module docstring (apart from ``inputs``, locked, ``force`` to replace)."""
    out = Path(path)
    check_apart(out, inputs)
    if out.is_dir():
        raise EdgeposeError(f"output path {out} is a folder; give a file name")
    with output_lock(out):
        if out.exists() and not force:
            raise EdgeposeError(f"{out} already exists; pass `force` to overwrite it")
        sweep_stale_temps(out)
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=temp_prefix(out), suffix=out.suffix or ".tmp")
        os.close(fd)
        tmp_path = Path(tmp)
        try:
            yield tmp_path
            os.chmod(tmp_path, 0o666 & ~_umask())
            os.replace(tmp_path, out)
        except BaseException:
            tmp_path.unlink(missing_ok=True)
            raise


def ensure_writable_parent(path: str | os.PathLike) -> Path:
    """Return ``path`` as a Path after checking that its folder exists or can be made, and is writable."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EdgeposeError(f"cannot write to {target.parent}: cannot create the folder ({exc.strerror or exc})") from None
    if not os.access(target.parent, os.W_OK):
        raise EdgeposeError(f"cannot write to {target.parent}: permission denied")
    return target


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` and rename the result onto ``path`` (same folder, atomic on POSIX)."""
    target = ensure_writable_parent(path)
    sweep_stale_temps(target)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=temp_prefix(target), suffix=target.suffix or ".tmp")
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
        text = p.read_text(encoding="utf-8")
        _check_depth(text, p, what)
        return json.loads(text, parse_constant=_no_constant)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EdgeposeError(f"{what} {p} is not valid JSON: {exc}") from None
    except RecursionError:
        raise EdgeposeError(f"{what} {p} nests too deeply to be a dataset or report") from None
    except _BadNumber as exc:
        raise EdgeposeError(f"{p}: the {what} {exc}") from None
    except IsADirectoryError:
        raise EdgeposeError(f"{what} {p} is a folder, not a file") from None


def _check_depth(text: str, path: Path, what: str) -> None:
    """Refuse JSON nested deeper than :data:`MAX_JSON_DEPTH` before parsing it (strings are skipped)."""
    import re

    import numpy as np

    brackets = re.sub(r'"(?:[^"\\]|\\.)*"', "", text)
    chars = np.frombuffer(brackets.encode("utf-8", "replace"), np.uint8)
    step = ((chars == 91) | (chars == 123)).astype(np.int32) - ((chars == 93) | (chars == 125))  # [{ and ]}
    if step.size and int(np.cumsum(step).max()) > MAX_JSON_DEPTH:
        raise EdgeposeError(f"{path}: the {what} nests too deeply (over {MAX_JSON_DEPTH} levels) to be a dataset or report")
    # strict numbers: no integer beyond int64, no exponent that overflows a float
    # (digits after a decimal point are a float's precision, not its size: 0.0055939675718545915 is fine)
    breaks = np.concatenate(([-1], np.flatnonzero((chars < 48) | (chars > 57)), [chars.size]))
    long_runs = np.flatnonzero(np.diff(breaks) - 1 >= 19)
    huge_int = any(breaks[i] < 0 or chars[breaks[i]] != ord(".") for i in long_runs)
    if huge_int or re.search(r"[eE]\+?\d{3}", brackets):
        raise EdgeposeError(f"{path}: the {what} holds a number out of range (an integer over 18 digits or an exponent over 99)")


class _BadNumber(ValueError):
    pass


def _no_constant(name: str) -> float:
    raise _BadNumber(f"holds {name}, which is not a number; use finite numbers")
