"""Difficulty scores from the base model, computed once per (model, data) and cached on disk.

For every training example we keep the base model's mean response loss given the prompt and given
only the response header (the "response alone" pass). Both are needed later: the levels come from
the chosen metric, and the local reward compares the current model's loss against the base loss.
"""
from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.distributed as dist
from filelock import FileLock
from safetensors.torch import load_file, save_file

from hbo.core.levels import assign_levels
from hbo.data.encoding import Encoded, response_header_ids, sequence_lengths
from hbo.data.mixture import Mixture
from hbo.measure.distributed import is_main_process, split_rows
from hbo.measure.examples import Mapped, alone_sequence, conditional_sequence, mean_losses

SCORES_VERSION = 2  # bump when the scoring definition changes, to invalidate old caches


@dataclass
class BaseScores:
    """Per training example (flat index): the base model's mean response loss with the prompt
    (``loss``) and with only the response header instead of the prompt (``alone_loss``), float64 [N]."""
    loss: torch.Tensor
    alone_loss: torch.Tensor

    def metric(self, name: str) -> torch.Tensor:
        """``loss``; ``ppl`` = exp(loss); ``ifd`` = loss(response | prompt) / loss(response alone), a ratio of
        mean token losses (Li et al. 2024, and the authors' code), not of perplexities."""
        if name == "loss":
            return self.loss
        if name == "ppl":
            return self.loss.exp()
        if name == "ifd":
            return self.loss / self.alone_loss
        raise ValueError(f"unknown difficulty metric {name!r}; choose ifd, ppl or loss")


def score_examples(model, examples: Sequence[Encoded], pad_id: int, header: list[int], batch_size: int,
                   progress: bool = False) -> BaseScores:
    """Both base losses of every example. Examples are read one batch at a time (their lengths are known
    beforehand), so scoring a million Arrow rows never holds them all as Python lists."""
    lengths, prompt_lengths = sequence_lengths(examples)
    loss, _ = mean_losses(model, Mapped(examples, conditional_sequence), pad_id, batch_size,
                          progress, desc="scoring (response | prompt)", lengths=lengths)
    alone, _ = mean_losses(model, Mapped(examples, lambda ex: alone_sequence(ex, header)), pad_id, batch_size,
                           progress, desc="scoring (response alone)", lengths=len(header) + lengths - prompt_lengths)
    return BaseScores(loss, alone)


def model_fingerprint(model) -> str:
    """Identify the base model by its config and weight files (size plus head and tail bytes), which is
    stable across copies and clones, and cheap even for multi-GB checkpoints; and by the precision it
    computes in, when that is not its weights' (mixed precision scores differ a little)."""
    h = hashlib.sha256(json.dumps(model.config.to_dict(), sort_keys=True, default=str).encode())
    folder = Path(str(getattr(model.config, "_name_or_path", "")))
    if folder.is_dir():
        for path in sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin")) + sorted(folder.glob("*.gguf")):
            size = path.stat().st_size
            with path.open("rb") as f:
                head = f.read(1 << 20)
                f.seek(max(size - (1 << 20), 0))
                tail = f.read()
            h.update(f"{path.name}:{size}".encode() + head + tail)
    else:
        h.update(str(getattr(model.config, "_commit_hash", "")).encode())
    autocast = getattr(model, "hbo_autocast_dtype", None)  # see hbo.model.with_mixed_precision
    if autocast is not None:
        h.update(f"autocast:{autocast}".encode())
    return h.hexdigest()[:16]


def load_or_score(model, mixture: Mixture, tokenizer, batch_size: int, cache_dir: str | None,
                  progress: bool = True) -> tuple[BaseScores, bool]:
    """Scores for every training example in flat order; returns (scores, loaded_from_cache)."""
    flat = mixture.flat().examples
    if not cache_dir:
        return _score(model, flat, tokenizer, batch_size, progress), False
    key = hashlib.sha256(f"{SCORES_VERSION}:{model_fingerprint(model)}:{mixture.fingerprint()}"
                         .encode()).hexdigest()[:20]
    path = Path(cache_dir).expanduser() / f"scores-{key}.safetensors"
    path.parent.mkdir(parents=True, exist_ok=True)
    # Two runs started together on the same data: the second waits for the first's scores instead of
    # computing them again. A distributed job's processes score together (collectives), so they take no lock.
    with nullcontext() if dist.is_available() and dist.is_initialized() else FileLock(f"{path}.lock"):
        if path.is_file():
            tensors = load_file(str(path))
            if tensors["loss"].numel() == len(flat):
                return BaseScores(tensors["loss"], tensors["alone_loss"]), True
        scores = _score(model, flat, tokenizer, batch_size, progress)
        if is_main_process():
            tmp = path.with_suffix(".tmp")
            save_file({"loss": scores.loss.contiguous(), "alone_loss": scores.alone_loss.contiguous()}, str(tmp))
            tmp.replace(path)
    return scores, False


def _score(model, flat: Sequence[Encoded], tokenizer, batch_size: int, progress: bool) -> BaseScores:
    def measure(share: Sequence[Encoded]) -> torch.Tensor:
        s = score_examples(model, share, tokenizer.pad_token_id, response_header_ids(tokenizer), batch_size, progress)
        return torch.stack([s.loss, s.alone_loss], dim=1)

    both = split_rows(measure, flat)  # in a distributed run, each process scores its share
    return BaseScores(both[:, 0].contiguous(), both[:, 1].contiguous())


def difficulty_levels(mixture: Mixture, scores: BaseScores, metric: str, num_levels: int) -> list[list[list[int]]]:
    """levels[d][k]: flat indices of level k (0 easiest) of dataset d, by quantiles of ``metric``."""
    values = scores.metric(metric)
    flat = mixture.flat()
    levels = []
    for d in range(len(mixture.names)):
        indices = list(flat.indices_of(d))
        level_of = assign_levels(values[indices], num_levels)
        buckets: list[list[int]] = [[] for _ in range(max(level_of) + 1)]
        for i, k in zip(indices, level_of):
            buckets[k].append(i)
        levels.append(buckets)
    return levels


def spearman(x: torch.Tensor, y: torch.Tensor) -> float:
    """Rank correlation (average ranks for ties), for checking levels against designed difficulty."""
    def ranks(v: torch.Tensor) -> torch.Tensor:
        v = v.double()
        order = torch.argsort(v, stable=True)
        r = torch.empty_like(v)
        r[order] = torch.arange(len(v), dtype=torch.float64)
        for value in torch.unique(v):  # average the ranks of ties
            tied = v == value
            r[tied] = r[tied].mean()
        return r
    rx, ry = ranks(x), ranks(y)
    rx, ry = rx - rx.mean(), ry - ry.mean()
    denominator = math.sqrt(float((rx ** 2).sum() * (ry ** 2).sum()))
    return float((rx * ry).sum()) / denominator if denominator else float("nan")
