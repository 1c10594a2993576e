import os
from pathlib import Path

import pytest

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
INTEGRATION = Path(__file__).parent / "integration"


def pytest_collection_modifyitems(config, items):
    """Everything under tests/integration/ is the slow tier (``make test-fast`` leaves it out)."""
    for item in items:
        if INTEGRATION in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory, monkeypatch):
    """Every cache, hbo's and the libraries', goes to a per-session temp folder, never the user's home."""
    root = tmp_path_factory.getbasetemp()
    monkeypatch.setenv("HBO_CACHE", str(root / "hbo-cache"))
    monkeypatch.setenv("HF_HOME", str(root / "hf-home"))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(root / "hf-home" / "datasets"))
    monkeypatch.setenv("MPLCONFIGDIR", str(root / "matplotlib"))


@pytest.fixture(scope="session")
def demo():
    """The embedded demo model and tokenizer (loaded once)."""
    from hbo.config import ModelConfig
    from hbo.model import load_model

    return load_model(ModelConfig(name_or_path="demo"))
