import pytest

from edgepose.errors import EdgeposeError
from edgepose.fsutil import atomic_write, prepare_output_dir, read_json


def test_existing_output_folder_needs_force(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("precious")
    with pytest.raises(EdgeposeError, match="pass `force`"):  # the library names its parameter
        prepare_output_dir(out)
    assert (out / "keep.txt").read_text() == "precious"
    prepare_output_dir(out, force=True)
    assert list(out.iterdir()) == []


def test_empty_existing_folder_is_fine(tmp_path):
    assert prepare_output_dir(tmp_path) == tmp_path


def test_failed_atomic_write_leaves_the_old_file_and_no_temp(tmp_path):
    target = tmp_path / "model.bin"
    target.write_bytes(b"old")

    def boom(p):
        p.write_bytes(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(target, boom)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.bin"]


def test_read_json_names_corrupt_files(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text("{nope")
    with pytest.raises(EdgeposeError, match="not valid JSON"):
        read_json(bad)
