"""What hbo's rewards cost: training wall time against proportional sampling, reward time per update
against a one-example-at-a-time yardstick, and difficulty scoring against the bare forward passes.

    python benchmarks/overhead.py            # the committed table (demo model and a 15x larger one)
    python benchmarks/overhead.py --quick    # smoke run (CI), written to a temp folder
    python benchmarks/overhead.py --configs demo-x15 --out DIR   # one model size

One process; every figure below is measured in this run on the same data (the demo mixture):
- wall_vs_proportional: the Trainer loop's wall time (reward work included, evaluation not) of
  ``hbo`` as it runs by default (the held-out probe's loss measured at every update) and of
  ``hbo_progress_online`` (the progress and improvement rewards, read off the training steps with no
  extra pass), divided by ``proportional``'s, at the default schedule (S = 50, batch 16); strategies
  alternate within a round, and the ratio is of the summed times over rounds. The same for the reference preset (the paper's rewards offline, S = 200),
  as ``hbo_offline_reference_schedule``.
- reward_s_per_update: one update's reward measurements for the paper's rewards offline at the
  default sample counts (8 gradient norms and 16 losses per level), hbo's probe against
  ``one_at_a_time.OneAtATimeProbe`` on the same draws; both must agree (``max_relative_difference``).
- scoring_vs_forward: throughput of ``hbo.scoring.score_examples`` over the bare forward passes it
  needs (both sequence sets, same batches), so 1.0 means scoring costs nothing beyond the forwards.
- update_share: the share of an hbo run's own training loop spent in its updates (reward passes and
  actors; with ``sampling.probe_average``, moving the weight average after every step too), timed
  inside the run and so free of the machine's run-to-run drift (about +-10% here).
- online_step_overhead: what ``reward_source: train`` adds to a training step (forward, loss,
  backward, AdamW), from the same batches run plainly, with losses recorded, and with losses and
  hooked gradient norms, interleaved in one loop (medians); ``at_default_schedule`` weighs them as the
  default schedule does (S - N steps with losses, N with norms).
- tokens_vs_proportional: token positions trained on (padding included) by hbo over proportional's:
  hbo moves the mixture, and a mixture of longer examples costs more per step whatever the rewards.
- estimated_vs_proportional: the drift-free estimate of both ratios at equal data, from the figures
  above: the default 1 / (1 - update_share), online (1 + at_default_schedule) / (1 - update_share).
- reward_s_per_process: the same update's rewards with the work split across N = 1 and N = 2
  processes of a torchrun job (``distributed_rewards.py``, gloo, one thread per process), seconds of
  the slowest process; ``reward_examples_per_process``: the examples each process measures.
- peak_mem_mb: peak resident memory of the process during each phase (CPU), or peak CUDA memory
  allocated (GPU).
- variants (``--variant NAME OVERRIDE...``, any number): hbo with those config overrides, trained in
  the same rounds as the runs above: its wall time and tokens against ``proportional``, its update
  share, and the drift-free estimate 1 / (1 - update_share), which counts hbo's own work in the loop
  only (a variant that reads rewards off the training steps also costs more per step).
Writes ``overhead.json`` ({"commit", "machine", "command", "configs": [...]}) and ``overhead.md``.
"""
from __future__ import annotations

import argparse
import dataclasses
import contextlib
import io
import json
import os
import platform
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mixture import commit  # noqa: E402
from one_at_a_time import OneAtATimeProbe  # noqa: E402

from hbo.config import DataConfig, SamplingConfig, load_config  # noqa: E402
from hbo.errors import ConfigError  # noqa: E402
from hbo.data.mixture import Mixture  # noqa: E402
from hbo.data.mixture import load_mixture  # noqa: E402
from hbo.measure.examples import (alone_sequence, conditional_sequence, length_batches, pad,  # noqa: E402
                                  preserved_state)
from hbo.measure.signals import TrainingSignals  # noqa: E402
from hbo.model import DEMO_MODEL, quiet_libraries  # noqa: E402
from hbo.recipe import train  # noqa: E402
from hbo.data.encoding import response_header_ids
from hbo.scoring import difficulty_levels, load_or_score, score_examples  # noqa: E402
from hbo.strategies.hbo import HBOStrategy  # noqa: E402
from hbo.measure.probe import ModelProbe  # noqa: E402

HERE = Path(__file__).resolve().parent
# hbo's rewards before the held-out probe: read off the training steps, no extra passes
PROGRESS_ONLINE = ["sampling.global_reward=progress", "sampling.local_reward=improvement", "sampling.reward_source=train"]
# name -> changes to the demo model's config (randomly initialised when not the demo itself)
CONFIGS = {
    "demo": None,
    "demo-x15": {"hidden_size": 512, "intermediate_size": 1536, "num_attention_heads": 8, "num_key_value_heads": 8,
                 "head_dim": 64},
}
FULL = {"configs": list(CONFIGS), "steps": {"demo": 300, "demo-x15": 100}, "rounds": {"demo": 3, "demo-x15": 2},
        "step_timing": {"batches": 8, "rounds": 7}, "warm_up": True,
        "scoring_examples": 1024, "distributed": {"updates": 3, "overrides": []}, "overrides": []}
QUICK = {"configs": ["demo"], "steps": {"demo": 8}, "rounds": {"demo": 1}, "scoring_examples": 64,
         "step_timing": {"batches": 2, "rounds": 2}, "warm_up": False,
         "distributed": {"updates": 1, "overrides": ["sampling.global_samples_per_level=2",
                                                      "sampling.local_samples_per_level=2"]},
         "overrides": ["sampling.update_interval=4", "sampling.global_samples_per_level=2",
                       "sampling.local_samples_per_level=2", "data.heldout_max=8", "eval.max_new_tokens=4"]}


class PeakMemory:
    """Peak memory during a ``with`` block: CUDA allocations on a GPU, else the process's resident
    set, sampled every 5 ms from /proc (0 where /proc is missing)."""

    def __init__(self):
        self.peak_mb = 0.0

    def __enter__(self):
        if torch.cuda.is_available():
            torch.cuda.reset_peak_memory_stats()
            return self
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _rss_mb(self) -> float:
        try:
            with open("/proc/self/statm") as f:
                return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20
        except OSError:
            return 0.0

    def _sample(self):
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, self._rss_mb())
            time.sleep(0.005)

    def __exit__(self, *exc):
        if torch.cuda.is_available():
            self.peak_mb = torch.cuda.max_memory_allocated() / 2 ** 20
        else:
            self._stop.set()
            self._thread.join()
            self.peak_mb = max(self.peak_mb, self._rss_mb())


def model_folder(name: str, root: Path) -> Path:
    if CONFIGS[name] is None:
        return DEMO_MODEL
    from transformers import AutoConfig, AutoModelForCausalLM

    folder = root / name
    config = AutoConfig.from_pretrained(DEMO_MODEL)
    for key, value in CONFIGS[name].items():
        setattr(config, key, value)
    torch.manual_seed(0)
    AutoModelForCausalLM.from_config(config).save_pretrained(folder)
    for f in DEMO_MODEL.iterdir():  # tokenizer and chat template
        if f.name.startswith(("tokenizer", "chat_template")):
            shutil.copy(f, folder / f.name)
    return folder


def train_seconds(folder: Path, steps: int, overrides: list[str], out: Path) -> tuple[dict, float]:
    config = load_config(None, [f"model.name_or_path={folder}", f"training.max_steps={steps}", "eval.before=false",
                                f"output_dir={out}", f"scoring.cache_dir={out.parent / 'scores'}", *overrides])
    with PeakMemory() as memory, contextlib.redirect_stdout(io.StringIO()):
        results = train(config, progress=False)
    return results["timing"], memory.peak_mb


def training_overhead(folder: Path, steps: int, rounds: int, base: list[str], root: Path, warm_up: bool = True,
                      variants: dict[str, list[str]] | None = None) -> dict:
    """Each run's training seconds over ``rounds``, the runs alternating within a round; ``variants``
    (name -> overrides) are hbo runs with those overrides, reported under ``variants``."""
    variants = variants or {}
    runs = {"proportional": ["sampling.strategy=proportional"],
            "hbo": ["sampling.strategy=hbo"],
            "hbo_progress_online": ["sampling.strategy=hbo", *PROGRESS_ONLINE],
            "proportional_reference_schedule": ["preset=reference", "sampling.strategy=proportional"],
            "hbo_offline_reference_schedule": ["preset=reference", "sampling.strategy=hbo"],
            **{variant_run(name): ["sampling.strategy=hbo", *overrides] for name, overrides in variants.items()}}
    seconds = {name: [] for name in runs}
    updates = {name: [] for name in runs}
    tokens = {name: [] for name in runs}
    memory = {}
    if warm_up:  # first-run costs
        train_seconds(folder, min(steps, 25), base + runs["proportional"], root / "warm-up")
    for r in range(rounds):
        for name, overrides in runs.items():
            timing, mb = train_seconds(folder, steps, base + overrides, root / f"{name}-{r}")
            seconds[name].append(timing["training_s"])
            updates[name].append(timing["update_s"])
            tokens[name].append(timing["padded_tokens"])
            memory[name] = max(memory.get(name, 0.0), mb)
            print(f"  round {r}: {name}: {timing['training_s']:.1f}s ({timing['update_s']:.1f}s in updates)", flush=True)

    def ratio(name, reference="proportional"):
        return sum(seconds[name]) / sum(seconds[reference])

    def share(name):  # the share of a run's own loop spent in updates: free of run-to-run machine drift
        return sum(updates[name]) / sum(seconds[name])

    def tokens_ratio(name):  # hbo moves the mixture, and with it the length of what a step trains on
        return sum(tokens[name]) / sum(tokens["proportional"])

    return {"wall_vs_proportional": {"hbo": ratio("hbo"), "hbo_progress_online": ratio("hbo_progress_online"),
                                     "hbo_offline_reference_schedule": ratio("hbo_offline_reference_schedule",
                                                                             "proportional_reference_schedule")},
            "tokens_vs_proportional": {name: tokens_ratio(name) for name in ("hbo", "hbo_progress_online")},
            "update_share": {name: share(name) for name in runs if name.startswith("hbo")},
            "variants": {name: {"overrides": overrides, "wall_vs_proportional": ratio(variant_run(name)),
                                "tokens_vs_proportional": tokens_ratio(variant_run(name)),
                                "update_share": share(variant_run(name)),
                                "estimated_vs_proportional": 1 / (1 - share(variant_run(name)))}
                         for name, overrides in variants.items()},
            "training_s": seconds, "peak_mem_mb": memory}


def variant_run(name: str) -> str:
    """The training run of ``--variant NAME`` (kept apart from the fixed runs' names)."""
    return f"variant_{name}"


def online_step_overhead(model, tokenizer, mixture: Mixture, sampling: SamplingConfig, batch_size: int = 16,
                         batches: int = 8, rounds: int = 7) -> dict:
    """Extra time of a training step under ``reward_source: train``: the same batches trained plainly,
    with losses recorded, and with losses and hooked gradient norms, the three interleaved round by
    round (the first round is a warm-up), as the Trainer runs them: forward with labels, loss, backward,
    AdamW step. Returns each variant's median seconds per step relative to the plain step, minus 1."""
    from transformers import DataCollatorForSeq2Seq

    flat = mixture.flat()
    collate = DataCollatorForSeq2Seq(tokenizer, padding=True, label_pad_token_id=-100)
    generator = torch.Generator().manual_seed(0)
    device = next(model.parameters()).device
    data = [collate([flat[i] for i in torch.randint(len(flat), (batch_size,), generator=generator).tolist()])
            for _ in range(batches)]
    data = [{k: v.to(device) for k, v in b.items()} for b in data]
    signals = TrainingSignals(model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-6)

    def step(batch: dict, variant: str) -> None:
        inputs = dict(batch)
        indices = inputs.pop("index")
        with signals.step(indices, gradient_norms=variant == "norms") if variant != "plain" else contextlib.nullcontext():
            outputs = model(**inputs)
            if variant != "plain":
                signals.loss_computed(outputs.loss, outputs.logits, inputs["labels"])
            outputs.loss.backward()
        optimizer.step()
        optimizer.zero_grad()

    seconds = {"plain": [], "losses": [], "norms": []}
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    with preserved_state(model):
        model.train()
        for _ in range(rounds):
            for variant in seconds:
                start = time.perf_counter()
                for batch in data:
                    step(batch, variant)
                if torch.cuda.is_available():
                    torch.cuda.synchronize()
                seconds[variant].append((time.perf_counter() - start) / batches)
                signals.clear()
    model.load_state_dict(weights)
    median = {k: statistics.median(v[1:]) for k, v in seconds.items()}
    losses, norms = median["losses"] / median["plain"] - 1, median["norms"] / median["plain"] - 1
    # gradient norms are recorded online only for the gradient-norm reward
    reads_norms = sampling.global_reward == "gradient-norm"
    s, n = sampling.update_interval, min(sampling.online_norm_steps, sampling.update_interval) if reads_norms else 0
    return {"step_s": median["plain"], "losses": losses, "gradient_norms": norms,
            "at_default_schedule": ((s - n) * losses + n * norms) / s}


def reward_cost(model, tokenizer, mixture, levels, scores, sampling: SamplingConfig) -> dict:
    """Seconds for one update's reward measurements, hbo's probe and the one-at-a-time yardstick, on
    the same draws (each strategy copy starts from the same reward generator)."""
    train_set = mixture.flat()
    fast = ModelProbe(model, train_set, tokenizer.pad_token_id, response_header_ids(tokenizer))
    slow = OneAtATimeProbe(model, train_set)

    def measure(probe) -> tuple[float, list[float]]:
        strategy = HBOStrategy(levels, sampling, scores.loss, scores.alone_loss)
        start = time.perf_counter()
        rewards = strategy.global_rewards(probe) + [r for d in strategy.local_rewards(probe) for r in d]
        return time.perf_counter() - start, rewards

    measure(fast)  # warm-up
    with PeakMemory() as fast_memory:
        fast_s = statistics.median(measure(fast)[0] for _ in range(3))
    with PeakMemory() as slow_memory:
        slow_s, slow_rewards = measure(slow)
    _, fast_rewards = measure(fast)
    difference = max(abs(a - b) / abs(b) for a, b in zip(fast_rewards, slow_rewards) if b == b and b != 0)
    return {"reward_s_per_update": {"hbo": fast_s, "one_at_a_time": slow_s}, "max_relative_difference": difference,
            "peak_mem_mb": {"rewards_hbo": fast_memory.peak_mb, "rewards_one_at_a_time": slow_memory.peak_mb}}


def distributed_reward_cost(folder: Path, root: Path, timed_updates: int = 3, overrides: list[str] = ()) -> dict:
    """One update's rewards split across N = 1 and N = 2 torchrun processes (one thread each): the
    slowest process's seconds (median over ``timed_updates``) and the examples each process measures."""
    result: dict = {"reward_s_per_process": {}, "examples_per_process": {}}
    rewards = {}
    for n in (1, 2):
        out = root / f"distributed-{n}.json"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(n),
                               "--master_addr", "127.0.0.1", "--master_port", str(port),
                               str(HERE / "distributed_rewards.py"), str(folder), str(out), str(root / "scores"),
                               "--timed", str(timed_updates), "--overrides", *overrides],
                              capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS="1"))
        if done.returncode != 0:
            raise RuntimeError(f"distributed_rewards.py with {n} processes failed:\n{done.stderr[-3000:]}")
        r = json.loads(out.read_text())
        result["reward_s_per_process"][str(n)] = statistics.median(max(ranks) for ranks in r["seconds"])
        result["examples_per_process"][str(n)] = r["examples_per_process"]
        rewards[n] = r["rewards"]
    result["max_relative_difference"] = max(abs(a - b) / abs(b) for a, b in zip(rewards[2], rewards[1])
                                             if b == b and b != 0)
    return result


def scoring_cost(model, tokenizer, examples, batch_size: int = 32) -> dict:
    pad_id, context = tokenizer.pad_token_id, response_header_ids(tokenizer)
    sets = [[conditional_sequence(ex) for ex in examples], [alone_sequence(ex, context) for ex in examples]]
    device = next(model.parameters()).device

    @torch.no_grad()
    def bare():
        with preserved_state(model):
            for seqs in sets:
                for batch in length_batches([len(ids) for ids, _ in seqs], batch_size):
                    input_ids, mask, _ = pad([seqs[i] for i in batch], pad_id, device)
                    model(input_ids=input_ids, attention_mask=mask)

    def timed(fn) -> float:
        start = time.perf_counter()
        fn()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        return time.perf_counter() - start

    def scoring():
        score_examples(model, examples, pad_id, context, batch_size)

    bare()  # warm-up
    forward_s = min(timed(bare) for _ in range(2))
    with PeakMemory() as memory:
        scoring_s = min(timed(scoring) for _ in range(2))
    tokens = sum(len(ids) for seqs in sets for ids, _ in seqs)
    return {"scoring_vs_forward": forward_s / scoring_s,
            "scoring": {"examples_per_s": len(examples) / scoring_s, "tokens_per_s": tokens / scoring_s,
                        "forward_examples_per_s": len(examples) / forward_s, "forward_tokens_per_s": tokens / forward_s,
                        "examples": len(examples), "tokens": tokens},
            "peak_mem_mb": {"scoring": memory.peak_mb}}


def measure_config(name: str, plan: dict, root: Path, variants: dict[str, list[str]] | None = None) -> dict:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = model_folder(name, root)
    # on the device the Trainer trains on, so the reward, step and scoring figures compare like with like
    model = AutoModelForCausalLM.from_pretrained(folder).to("cuda" if torch.cuda.is_available() else "cpu")
    tokenizer = AutoTokenizer.from_pretrained(folder)
    params = sum(p.numel() for p in model.parameters())
    print(f"{name}: {params / 1e6:.1f}M parameters", flush=True)
    config = load_config(None, plan["overrides"])
    mixture = load_mixture(DataConfig(mixture="demo"), tokenizer)
    scores, _ = load_or_score(model, mixture, tokenizer, 32, str(root / "scores"), progress=False)
    levels = difficulty_levels(mixture, scores, config.scoring.metric, config.scoring.num_levels)
    result = {"config": name, "params": params, "steps": plan["steps"][name], "rounds": plan["rounds"][name],
              "schedule": {"update_interval": config.sampling.update_interval,
                           "online_norm_steps": config.sampling.online_norm_steps,
                           "batch_size": config.training.per_device_train_batch_size}}
    paper_rewards = dataclasses.replace(config.sampling, global_reward="gradient-norm", local_reward="ppl",
                                        reward_source="offline")
    rewards = reward_cost(model, tokenizer, mixture, levels, scores, paper_rewards)
    step_overhead = online_step_overhead(model, tokenizer, mixture, load_config(None, PROGRESS_ONLINE).sampling,
                                         **plan["step_timing"])
    flat = mixture.flat().examples
    chosen = torch.randperm(len(flat), generator=torch.Generator().manual_seed(0))[:plan["scoring_examples"]]
    scoring = scoring_cost(model, tokenizer, [flat[i] for i in chosen.tolist()])
    distributed = distributed_reward_cost(folder, root / name, plan["distributed"]["updates"],
                                          plan["distributed"]["overrides"])
    training = training_overhead(folder, plan["steps"][name], plan["rounds"][name], plan["overrides"], root / name,
                                 plan["warm_up"], variants)
    share = training["update_share"]
    # the default's rewards read no training signal: its whole cost is in its updates
    estimated = {"hbo": 1 / (1 - share["hbo"]),
                 "hbo_progress_online": (1 + step_overhead["at_default_schedule"]) / (1 - share["hbo_progress_online"])}
    result.update(wall_vs_proportional=training["wall_vs_proportional"], update_share=share,
                  tokens_vs_proportional=training["tokens_vs_proportional"],
                  online_step_overhead=step_overhead, estimated_vs_proportional=estimated,
                  variants=training["variants"], training_s=training["training_s"],
                  reward_s_per_update=rewards["reward_s_per_update"],
                  reward_max_relative_difference=rewards["max_relative_difference"],
                  reward_s_per_process=distributed["reward_s_per_process"],
                  reward_examples_per_process=distributed["examples_per_process"],
                  reward_processes_max_relative_difference=distributed["max_relative_difference"],
                  scoring_vs_forward=scoring["scoring_vs_forward"], scoring=scoring["scoring"],
                  peak_mem_mb={**training["peak_mem_mb"], **rewards["peak_mem_mb"], **scoring["peak_mem_mb"]})
    return result


def machine() -> str:
    device = torch.cuda.get_device_name() if torch.cuda.is_available() else "CPU"
    return (f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__} ({torch.get_num_threads()} "
            f"threads), {device}")


def markdown(result: dict) -> str:
    lines = ["# hbo's overhead", "", f"Command: `{result['command']}`  ", f"Commit: `{result['commit']}`  ",
             f"Machine: {result['machine']}", "",
             "Training wall time against `proportional` at the config's schedule (S = {update_interval}, batch "
             "{batch_size}), measured (summed over rounds) and estimated without the machine's drift (from the update share timed inside "
             "each run and the per-step cost of online rewards, at equal data). Tokens: token positions trained on "
             "(padding included) against `proportional`'s; hbo moves the mixture, and with it the length of what a "
             "step trains on.".format(**result["configs"][0]["schedule"]), "",
             "| config | params | steps x rounds | hbo (default: held-out probe rewards): measured | tokens | "
             "estimated | hbo, progress + improvement read off training: measured | tokens | estimated | "
             "preset reference (paper's rewards, S=200): measured |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for c in result["configs"]:
        w, e, t = c["wall_vs_proportional"], c["estimated_vs_proportional"], c["tokens_vs_proportional"]
        lines.append(f"| {c['config']} | {c['params'] / 1e6:.1f}M | {c['steps']} x {c['rounds']} | "
                     f"{w['hbo']:.3f}x | {t['hbo']:.3f}x | {e['hbo']:.3f}x | "
                     f"{w['hbo_progress_online']:.3f}x | {t['hbo_progress_online']:.3f}x | {e['hbo_progress_online']:.3f}x | "
                     f"{w['hbo_offline_reference_schedule']:.3f}x |")
    if any(c["variants"] for c in result["configs"]):
        lines += ["", "Variants (`--variant`): hbo with these overrides, in the same rounds. Estimated: 1 / (1 - the "
                  "share of the run spent in hbo's updates and weight average), which leaves out a cost per training step "
                  "(rewards read off training).", "",
                  "| config | variant | overrides | measured | tokens | update share | estimated |",
                  "|---|---|---|---|---|---|---|"]
        for c in result["configs"]:
            for variant, v in c["variants"].items():
                lines.append(f"| {c['config']} | {variant} | `{' '.join(v['overrides'])}` | "
                             f"{v['wall_vs_proportional']:.3f}x | {v['tokens_vs_proportional']:.3f}x | "
                             f"{100 * v['update_share']:.1f}% | {v['estimated_vs_proportional']:.3f}x |")
    lines += ["", "Rewards, online step costs and scoring:", "",
              "| config | paper's rewards, s/update: hbo | one at a time | speed-up | online: losses / step | "
              "online: losses + gradient norms / step | scoring / bare forward |", "|---|---|---|---|---|---|---|"]
    for c in result["configs"]:
        r, o = c["reward_s_per_update"], c["online_step_overhead"]
        lines.append(f"| {c['config']} | {r['hbo']:.3f} | {r['one_at_a_time']:.3f} | "
                     f"{r['one_at_a_time'] / r['hbo']:.1f}x | +{100 * o['losses']:.1f}% | "
                     f"+{100 * o['gradient_norms']:.1f}% | {c['scoring_vs_forward']:.2f}x |")
    lines += ["", "Reward computation split across torchrun processes (one thread each; the slowest process, "
              "median of 3 updates, default sample counts):", "",
              "| config | N = 1: s/update | examples measured | N = 2: s/update per process | examples per process | "
              "rewards, N = 2 vs 1 |", "|---|---|---|---|---|---|"]
    for c in result["configs"]:
        s, e = c["reward_s_per_process"], c["reward_examples_per_process"]
        lines.append(f"| {c['config']} | {s['1']:.3f} | {e['1']} | {s['2']:.3f} | {e['2']} | "
                     f"{c['reward_processes_max_relative_difference']:.1e} |")
    lines += ["", "Training seconds per run (the Trainer loop, rewards included), scoring throughput and peak memory "
              "(MB):", ""]
    for c in result["configs"]:
        runs = ", ".join(f"{k} {' / '.join(f'{s:.1f}' for s in v)}" for k, v in c["training_s"].items())
        s = c["scoring"]
        lines += [f"- **{c['config']}**: {runs}.",
                  f"  Scoring {s['examples_per_s']:.0f} examples/s ({s['tokens_per_s']:.0f} tokens/s) against bare "
                  f"forwards {s['forward_examples_per_s']:.0f} examples/s ({s['forward_tokens_per_s']:.0f} tokens/s), "
                  f"{s['examples']} examples, both sequence sets.",
                  "  Share of hbo's training loop spent in its updates (reward passes and actors): "
                  + ", ".join(f"{k} {100 * v:.1f}%" for k, v in c["update_share"].items()) + ".",
                  f"  A plain training step takes {c['online_step_overhead']['step_s'] * 1000:.0f} ms; "
                  f"rewards read off training (progress, improvement) add "
                  f"{100 * c['online_step_overhead']['at_default_schedule']:.1f}% to it.",
                  f"  Rewards of both probes agree to {c['reward_max_relative_difference']:.1e} (relative).",
                  "  Peak memory: " + ", ".join(f"{k} {v:.0f}" for k, v in c["peak_mem_mb"].items()) + "."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: demo model, 8 steps")
    parser.add_argument("--out", default=None, help="results folder (default: benchmarks/results, or a temp folder "
                                                    "with --quick)")
    parser.add_argument("--variant", nargs="+", action="append", default=[], metavar=("NAME", "OVERRIDE"),
                        help="also train hbo with these config overrides (section.key=value ...) in every round, "
                             "reported as NAME; repeatable")
    parser.add_argument("--configs", nargs="+", choices=list(CONFIGS), default=None,
                        help="measure only these model sizes (default: all; a lent GPU's 10-minute commands take one each)")
    args = parser.parse_args(argv)
    if args.quick and args.configs and set(args.configs) - set(QUICK["configs"]):
        parser.error(f"--quick measures {', '.join(QUICK['configs'])} only")
    variants = {}
    for name, *overrides in args.variant:
        if not overrides or "=" in name or name in variants:
            parser.error(f"--variant {name}: give a new name, then one or more section.key=value overrides")
        try:  # a bad override fails here, before anything is measured
            load_config(None, overrides)
        except ConfigError as error:
            parser.error(f"--variant {name}: {error}")
        variants[name] = overrides
    quiet_libraries()
    plan = QUICK if args.quick else FULL
    out = Path(args.out) if args.out else (Path(tempfile.mkdtemp()) if args.quick else HERE / "results")
    out.mkdir(parents=True, exist_ok=True)
    shown = sys.argv[1:] if argv is None else argv
    result = {"commit": commit(), "machine": machine(),
              "command": shlex.join(["python", "benchmarks/overhead.py", *shown]), "configs": []}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.configs or plan["configs"]:
            result["configs"].append(measure_config(name, plan, Path(tmp), variants))
    (out / "overhead.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / "overhead.md").write_text(markdown(result))
    print(markdown(result))
    print(f"wrote {out}/overhead.json and overhead.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
