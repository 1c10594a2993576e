import os

import pytest

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory, monkeypatch):
    """Demo data and score caches go to a per-session temp folder, never the user's home."""
    monkeypatch.setenv("HBO_CACHE", str(tmp_path_factory.getbasetemp() / "hbo-cache"))


@pytest.fixture(scope="session")
def demo():
    """The embedded demo model and tokenizer (loaded once)."""
    from hbo.config import ModelConfig
    from hbo.run import load_model

    return load_model(ModelConfig(name_or_path="demo"))
