"""Run files are written atomically, with the permissions a plain write would give them."""
import os
import stat

import pytest

from hbo import files
from hbo.files import atomic_save_folder, atomic_write_text


@pytest.fixture
def umask():
    """os.umask, with the process's own mask put back afterwards."""
    previous = os.umask(0o022)
    os.umask(previous)
    yield os.umask
    os.umask(previous)


@pytest.mark.parametrize("mask, file_mode, folder_mode", [(0o022, 0o644, 0o755), (0o077, 0o600, 0o700), (0o002, 0o664, 0o775)])
def test_files_and_folders_follow_the_umask(tmp_path, umask, mask, file_mode, folder_mode):
    umask(mask)
    written = atomic_write_text(tmp_path / "a.json", "{}")
    assert stat.S_IMODE(written.stat().st_mode) == file_mode
    folder = atomic_save_folder(tmp_path / "model", lambda tmp: (tmp / "w.bin").write_bytes(b"0"))
    assert stat.S_IMODE(folder.stat().st_mode) == folder_mode
    assert written.read_text() == "{}" and (folder / "w.bin").read_bytes() == b"0"


def test_the_umask_is_read_without_proc_too(monkeypatch, umask):
    def no_proc(*args, **kwargs):
        raise OSError("no /proc here")
    umask(0o027)
    monkeypatch.setattr(files, "open", no_proc, raising=False)  # found before the builtin
    assert files._umask() == 0o027
    assert os.umask(0o027) == 0o027  # and left as it was
