"""One hbo reward computation split across the processes of a torchrun job: seconds and examples per process.

    torchrun --nproc_per_node N benchmarks/distributed_rewards.py MODEL_FOLDER OUT.json [SCORES_DIR]
        [--timed K] [--overrides section.key=value ...]

Every process builds the same strategy and probe as ``hbo train`` does (demo mixture, the paper's rewards
measured offline at hbo's sample counts unless overridden, one thread each), takes one warm-up update's
rewards, then times K (default three), each started together after a barrier; a process's time is from
the barrier to its rewards (all-gathers included).
Rank 0 writes ``{"processes", "seconds": [[per rank] per update], "examples_per_process", "rewards"}``.
``benchmarks/overhead.py`` runs it with N = 1 and N = 2.
"""
from __future__ import annotations

import argparse
import json
import time

import torch
import torch.distributed as dist

from hbo.config import DataConfig, load_config
from hbo.data.mixture import load_mixture
from hbo.measure.distributed import gather_objects, rank_and_size
from hbo.model import quiet_libraries
from hbo.data.encoding import response_header_ids
from hbo.scoring import difficulty_levels, load_or_score
from hbo.strategies.hbo import HBOStrategy
from hbo.measure.probe import ModelProbe


class CountingProbe(ModelProbe):
    """Counts the examples this process measures (its share of every request, topped-up included)."""

    measured = 0

    def _count(self, indices) -> None:
        size = rank_and_size()[1]
        self.measured += -(-len(indices) // size)

    def gradient_norms(self, indices):
        self._count(indices)
        return super().gradient_norms(indices)

    def losses(self, indices):
        self._count(indices)
        return super().losses(indices)

    def alone_losses(self, indices):
        self._count(indices)
        return super().alone_losses(indices)


def main(folder: str, out: str, scores_dir: str | None = None, timed_updates: int = 3,
         overrides: list[str] | None = None) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    dist.init_process_group("gloo")
    torch.set_num_threads(1)
    quiet_libraries()
    model = AutoModelForCausalLM.from_pretrained(folder)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    mixture = load_mixture(DataConfig(mixture="demo"), tokenizer)
    scores, _ = load_or_score(model, mixture, tokenizer, 32, scores_dir, progress=False)
    # the paper's rewards, measured by extra passes: the reward work that can be split across processes
    config = load_config(None, ["sampling.global_reward=gradient-norm", "sampling.local_reward=ppl",
                                "sampling.reward_source=offline", *(overrides or [])])
    sampling = config.sampling
    levels = difficulty_levels(mixture, scores, config.scoring.metric, config.scoring.num_levels)
    probe = CountingProbe(model, mixture.flat(), tokenizer.pad_token_id, response_header_ids(tokenizer))

    def rewards() -> tuple[float, list[float], int]:
        strategy = HBOStrategy(levels, sampling, scores.loss, scores.alone_loss)  # same draws every time
        probe.measured = 0
        dist.barrier()
        start = time.perf_counter()
        values = strategy.global_rewards(probe) + [r for d in strategy.local_rewards(probe) for r in d]
        return time.perf_counter() - start, values, probe.measured

    rewards()  # warm-up
    timed = [rewards() for _ in range(timed_updates)]
    seconds = [gather_objects(s) for s, _, _ in timed]
    if dist.get_rank() == 0:
        result = {"processes": dist.get_world_size(), "seconds": seconds, "examples_per_process": timed[0][2],
                  "rewards": timed[0][1]}
        with open(out, "w") as f:
            json.dump(result, f)
    dist.destroy_process_group()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("out")
    parser.add_argument("scores_dir", nargs="?")
    parser.add_argument("--timed", type=int, default=3, help="updates timed after the warm-up")
    parser.add_argument("--overrides", nargs="*", default=[], metavar="section.key=value")
    args = parser.parse_args()
    main(args.folder, args.out, args.scores_dir, args.timed, args.overrides)
