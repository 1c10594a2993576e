"""Writing run files atomically and saving hbo's state as JSON, never as a pickle.

A crash, a SIGKILL or a full disk can stop a write halfway; every file hbo writes is written to a
temporary name in the same folder and renamed into place, so a reader sees the old file or the new
one, never half of one. State files are JSON with tensors spelled out (exact for float32/float64
and integers), so loading one runs no code.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import torch


def _umask() -> int:
    """The process's umask, read without setting it where Linux allows (setting it to read it leaves
    a moment in which another thread's new files would get no mask)."""
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1], 8) for line in status if line.startswith("Umask:"))
    except (OSError, StopIteration, ValueError, IndexError):
        umask = os.umask(0)
        os.umask(umask)
        return umask


def _as_created(tmp: str | Path, mode: int) -> None:
    """Give a temporary file or folder the permissions a plain open or mkdir would have: tempfile
    makes them private (0600, 0700), which would leave run files unreadable to the rest of a team."""
    os.chmod(tmp, mode & ~_umask())


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` for a temporary file beside ``path``, then rename it onto ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        _as_created(tmp, 0o666)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    return atomic_write(path, lambda tmp: tmp.write_text(text))


def atomic_save_folder(path: str | Path, save: Callable[[Path], None]) -> Path:
    """Like :func:`atomic_write` for a folder (e.g. ``save_pretrained``): build it aside, then swap."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        save(tmp)
        _as_created(tmp, 0o777)
        if path.exists():
            old = path.with_name(f".{path.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return path


def encode(obj):
    """JSON-able form of nested dicts / lists / tuples / tensors / numbers, reversible by decode."""
    if isinstance(obj, torch.Tensor):
        return {"__tensor__": obj.detach().cpu().tolist(), "dtype": str(obj.dtype).removeprefix("torch."),
                "shape": list(obj.shape)}
    if isinstance(obj, dict):
        if all(isinstance(k, str) for k in obj):
            return {k: encode(v) for k, v in obj.items()}
        return {"__items__": [[encode(k), encode(v)] for k, v in obj.items()]}
    if isinstance(obj, tuple):
        return {"__tuple__": [encode(v) for v in obj]}
    if isinstance(obj, list):
        return [encode(v) for v in obj]
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"cannot store {type(obj).__name__} in a state file")


def decode(obj):
    if isinstance(obj, dict):
        if "__tensor__" in obj:
            dtype = getattr(torch, obj["dtype"])
            return torch.tensor(obj["__tensor__"], dtype=dtype).reshape(obj["shape"])
        if "__items__" in obj:
            return {decode(k): decode(v) for k, v in obj["__items__"]}
        if "__tuple__" in obj:
            return tuple(decode(v) for v in obj["__tuple__"])
        return {k: decode(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [decode(v) for v in obj]
    return obj


def save_state(path: str | Path, state: dict) -> Path:
    return atomic_write_text(path, json.dumps(encode(state)))


def load_state(path: str | Path) -> dict:
    return decode(json.loads(Path(path).read_text()))
