import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Every cache the suite could write, hbo's and the libraries', goes to one temporary folder, set
# before anything is imported: datasets and matplotlib read their cache folders at import time, and
# the benchmarks the tests launch inherit these variables.
CACHES = Path(tempfile.mkdtemp(prefix="hbo-tests-"))
for variable, folder in (("HBO_CACHE", "hbo"), ("HF_HOME", "huggingface"), ("HF_DATASETS_CACHE", "huggingface/datasets"),
                         ("MPLCONFIGDIR", "matplotlib"), ("XDG_CACHE_HOME", "xdg"),
                         # pip's user agent runs `rustc --version`; rustup would write its settings to ~/.rustup
                         ("RUSTUP_HOME", "rustup")):
    os.environ[variable] = str(CACHES / folder)
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Under pytest-xdist (`make test` runs two workers) each worker, and every process it launches,
# computes on one thread, so the workers do not compete for the cores.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("OMP_NUM_THREADS", "1")
INTEGRATION = Path(__file__).parent / "integration"


def pytest_unconfigure(config):
    shutil.rmtree(CACHES, ignore_errors=True)


def pytest_collection_modifyitems(config, items):
    """Everything under tests/integration/ is the slow tier (``make test-fast`` leaves it out)."""
    for item in items:
        if INTEGRATION in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def demo():
    """The embedded demo model and tokenizer (loaded once)."""
    from hbo.config import ModelConfig
    from hbo.model import load_model

    return load_model(ModelConfig(name_or_path="demo"))
