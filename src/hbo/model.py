"""Loading the causal LM and its tokenizer: a local folder, a hub id, or ``demo`` (the built-in tiny
model), in the configured dtype and with a chat template."""
from __future__ import annotations

import functools
import os
import warnings
from pathlib import Path

import torch

from hbo.config import ModelConfig
from hbo.config.schema import Dtype, choices
from hbo.data.encoding import ensure_chat_template
from hbo.errors import ConfigError, ModelLoadError

DEMO_MODEL = Path(__file__).parent / "assets" / "demo-model"
DTYPES = {name: getattr(torch, name) for name in choices(Dtype)}


def resolve_model_path(name_or_path: str) -> str:
    if name_or_path == "demo":
        return str(DEMO_MODEL)
    local = Path(name_or_path).expanduser()
    looks_local = name_or_path.startswith((".", "/", "~")) or local.exists() or name_or_path.count("/") > 1
    if looks_local and not local.is_dir():
        raise ModelLoadError(f"model.name_or_path: {name_or_path}: no such model folder")
    return str(local) if looks_local else name_or_path


def load_model(config: ModelConfig, seed: int = 0):
    """Load tokenizer and causal LM exactly as for a hub model (a local folder or a hub id). ``seed``
    initialises a LoRA adapter's A matrices, so that the same config gives the same run, in one
    process or many."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = resolve_model_path(config.name_or_path)
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=config.trust_remote_code)
        model = AutoModelForCausalLM.from_pretrained(path, dtype=DTYPES[config.dtype],
                                                     trust_remote_code=config.trust_remote_code)
    except (OSError, ValueError) as e:
        raise ModelLoadError(f"model.name_or_path: could not load {config.name_or_path!r}: {e}") from None
    ensure_chat_template(tokenizer, config.chat_template)
    if config.mixed_precision == "bf16":
        model = with_mixed_precision(model)
    if config.lora is not None:
        model = with_lora(model, config.lora, seed)
    return model, tokenizer


def with_mixed_precision(model, dtype: torch.dtype = torch.bfloat16):
    """``model`` whose every forward runs under ``torch.autocast`` in ``dtype``, on the device its weights
    are on when it runs: the weights, their gradients and the optimiser stay in float32, so small
    updates are not rounded away, while matrix products run in bfloat16. Set on the model's own forward,
    so every pass goes through it (scoring, training, rewards, evaluation, generation, and an adapter
    or DDP wrapped around it); logits come back in float32, as the log-probabilities hbo reads need."""
    forward = model.forward

    @functools.wraps(forward)
    def autocast_forward(*args, **kwargs):
        with torch.autocast(next(model.parameters()).device.type, dtype=dtype):
            out = forward(*args, **kwargs)
        if getattr(out, "logits", None) is not None:
            out.logits = out.logits.float()
        return out

    model.forward = autocast_forward
    model.hbo_autocast_dtype = dtype  # the scores cache keeps these scores apart from float32 ones
    return model


def with_lora(model, lora, seed: int = 0):
    """``model`` wrapped by PEFT with a fresh LoRA adapter (its B matrices start at zero, so the model
    computes exactly what the base model does until training moves them; scoring reads the base)."""
    try:
        from peft import LoraConfig, get_peft_model
    except ImportError:
        raise ConfigError("model.lora needs PEFT: pip install 'hbo[peft]'") from None
    targets = lora.target_modules if lora.target_modules == "all-linear" else \
        [name.strip() for name in lora.target_modules.split(",") if name.strip()]
    try:
        with torch.random.fork_rng(devices=[]), warnings.catch_warnings():  # seeded here, the caller's streams untouched
            # PEFT reads an attribute transformers has deprecated: a warning between the two libraries that
            # no user can act on
            warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.* is deprecated",
                                    category=FutureWarning)
            torch.manual_seed(seed)
            return get_peft_model(model, LoraConfig(r=lora.r, lora_alpha=lora.alpha, lora_dropout=lora.dropout,
                                                    target_modules=targets, task_type="CAUSAL_LM"))
    except ValueError as e:  # e.g. a target module the model does not have
        raise ConfigError(f"model.lora: {e}") from None


def quiet_libraries() -> None:
    """Keep the console to hbo's own output and progress bars."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from transformers.utils import logging as hf_logging
    import datasets

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    datasets.disable_progress_bars()
    datasets.logging.set_verbosity_error()
