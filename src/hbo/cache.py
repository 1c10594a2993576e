"""Where hbo keeps what it can rebuild: base-model scores, downloaded wheels, built-in mixtures."""
from __future__ import annotations

import os
import sys
from pathlib import Path


def cache_dir(kind: str = "") -> Path:
    """``$HBO_CACHE/kind`` when HBO_CACHE is set, else hbo's folder in the platform's cache folder
    (``$XDG_CACHE_HOME`` or ``~/.cache`` on Linux, ``~/Library/Caches`` on macOS, ``%LOCALAPPDATA%``
    on Windows). Created on first use by whoever writes into it."""
    root = os.environ.get("HBO_CACHE")
    if root:
        base = Path(root).expanduser()
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches" / "hbo"
    elif sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")) / "hbo"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hbo"
    return base / kind if kind else base
