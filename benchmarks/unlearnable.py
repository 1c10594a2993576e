"""Does a reward move samples toward a dataset with half its answers random? Two copies of one task in
one wording, one with half its answers replaced, trained from an even split on the demo model; printed:
the noisy copy's share of the samples after each update, per seed.

    python benchmarks/unlearnable.py --seeds 0 1 2 3                      # hbo's default
    python benchmarks/unlearnable.py preset=paper sampling.actor_lr=1e-3  # the paper's gradient-norm reward
    python benchmarks/unlearnable.py --steps 300 --interval 50 --seeds 0 1 2
    python benchmarks/unlearnable.py --clean-probe --seeds 0 1 2 3       # the probe of correct answers only
    python benchmarks/unlearnable.py --clean-probe uniform --seeds 0 1 2 3  # ... drawn uniformly, not per level

The setting of ``tests/integration/test_unlearnable_data.py`` (100 steps, an update every 20), which
checks one seed; this runs as many as asked, since one seed says little here (docs/benchmark-log.md,
"Unlearnable data, directly"). Runs go to a temporary folder unless ``--out`` is given; there each seed's
shares are kept in ``seed-N.json`` (as ``benchmarks/mixture.py`` keeps its runs), so a check stopped halfway
continues where it stopped and a rerun with other settings is refused. Not part of the library.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import random
import re
import shutil
import statistics
import tempfile
from pathlib import Path

from mixture import commit
from run_files import config_digest, library_versions, machine, read_run, write_run


def write_twins(folder: Path) -> str:
    """Addition in the "plus" wording twice, one copy with half its answers random; the
    ``data.datasets`` value that names both."""
    from hbo.data.builtin import write_jsonl
    from hbo.data.synthetic import add_noise, generate_dataset

    clean = generate_dataset("add", "plus", 300, seed=1)
    noisy = generate_dataset("add", "plus", 300, seed=2)
    add_noise(noisy, 0.5, random.Random(3))
    write_jsonl(folder / "clean.jsonl", clean)
    write_jsonl(folder / "noisy.jsonl", noisy)
    return f"[{{name: clean, path: {folder / 'clean.jsonl'}}}, {{name: noisy, path: {folder / 'noisy.jsonl'}}}]"


def wrong_answers(config) -> set[int]:
    """Flat training indices whose answer is not the sum its prompt asks for (the random ones)."""
    from hbo.data.mixture import load_mixture
    from hbo.model import load_model

    _, tokenizer = load_model(config.model)
    examples = load_mixture(config.data, tokenizer).flat().examples
    wrong = set()
    for i in range(len(examples)):
        ex = examples[i]
        question = re.search(r"Compute (\d+) plus (\d+)\.", tokenizer.decode(ex.input_ids))
        answer = re.match(r"\s*(\d+)", tokenizer.decode([t for t, y in zip(ex.input_ids, ex.labels) if y != -100]))
        if not question or not answer or int(answer.group(1)) != int(question.group(1)) + int(question.group(2)):
            wrong.add(i)
    return wrong


@contextlib.contextmanager
def probe_of_correct_answers(wrong: set[int], draw: str = "level"):
    """hbo's development probe carved from correct answers only, the training set keeping the rest: an
    oracle standing for a clean development file of each dataset (hbo has no such option). ``draw``
    "level" carves as hbo does, the same number from every level, though the noisy copy's correct
    answers are spread unevenly over its levels; "uniform" draws as many from all of a dataset's
    correct answers at random, as a development file sampled from the data would be."""
    import torch

    import hbo.strategies.hbo as strategy_module

    carve = strategy_module.hold_out

    def carve_correct(levels, per_level, seed):
        correct = [[[i for i in level if i not in wrong] for level in d] for d in levels]
        _, probe = carve(correct, per_level, seed)
        if draw == "uniform":
            generator = torch.Generator().manual_seed(seed)
            chosen = []
            for d, dataset in zip(correct, probe):
                pool = [i for level in d for i in level]
                count = sum(len(level) for level in dataset)
                chosen.append({pool[j] for j in torch.randperm(len(pool), generator=generator)[:count].tolist()})
            probe = [[[i for i in level if i in held] for level in d] for d, held in zip(correct, chosen)]
        held = {i for d in probe for level in d for i in level}
        return [[[i for i in level if i not in held] for level in d] for d in levels], probe

    strategy_module.hold_out = carve_correct
    try:
        yield
    finally:
        strategy_module.hold_out = carve


def noisy_shares(out: Path, datasets: str, seed: int, steps: int, interval: int, overrides: list[str],
                 clean_probe: str | None = None) -> list[float]:
    """One run: the noisy copy's global probability at the start and after every update. Read from the
    seed's record in ``out`` when an earlier invocation ran the same config (``run_files.read_run``
    refuses one of another config, library versions or machine). ``clean_probe``: None, or how the
    probe of correct answers is drawn (see ``probe_of_correct_answers``)."""
    from hbo.config import load_config
    from hbo.recipe import train

    run = out / f"seed-{seed}"
    config = load_config(None, [f"data.datasets={datasets}", f"training.max_steps={steps}",
                                f"sampling.update_interval={interval}", "eval.before=false", "data.heldout_max=4",
                                "eval.max_new_tokens=4", f"sampling.seed={seed}", f"training.seed={seed}",
                                f"output_dir={run}", *overrides])
    suffix = {None: "", "level": "-clean-probe", "uniform": "-clean-probe-uniform"}[clean_probe]
    record_path = out / f"seed-{seed}{suffix}.json"
    digest = config_digest(config)
    done = read_run(record_path, digest)
    if done is not None:
        return done["shares"]
    shutil.rmtree(run, ignore_errors=True)  # what a run stopped halfway left
    with probe_of_correct_answers(wrong_answers(config), clean_probe) if clean_probe else contextlib.nullcontext():
        train(config, progress=False)
    records = [json.loads(line) for line in (run / "probabilities.jsonl").read_text().splitlines()]
    shares = [r["global"]["noisy"] for r in records]
    write_run(record_path, {"seed": seed, "shares": shares, "overrides": overrides,
                            # True for the per-level oracle, as the records written before "uniform" have it
                            "clean_probe": True if clean_probe == "level" else clean_probe or False,
                            "commit": commit(), "digest": digest, "versions": library_versions(),
                            "machine": machine()})
    return shares


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--interval", type=int, default=20, help="sampling.update_interval")
    parser.add_argument("--out", help="where the runs go (default: a temporary folder, removed after)")
    parser.add_argument("--clean-probe", nargs="?", const="level", choices=["level", "uniform"],
                        help="carve hbo's development probe from correct answers only (an oracle for a clean "
                             "development file): the same number from every level, as hbo carves (level, the "
                             "default), or drawn at random from all of them (uniform)")
    parser.add_argument("overrides", nargs="*", metavar="section.key=value", help="applied to every run")
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        out = Path(args.out) if args.out else Path(stack.enter_context(tempfile.TemporaryDirectory()))
        out.mkdir(parents=True, exist_ok=True)
        datasets = write_twins(out)
        shares = {}
        for seed in args.seeds:  # each seed's line as soon as it is known: a long check shows its progress
            row = shares[seed] = noisy_shares(out, datasets, seed, args.steps, args.interval, args.overrides,
                                              args.clean_probe)
            print(f"seed {seed}: noisy share " + " ".join(f"{p:.3f}" for p in row), flush=True)
    ends = [row[-1] for row in shares.values()]
    above = sum(row[-1] > row[0] for row in shares.values())
    low, high = mean_interval(ends)
    print(f"after the last update: {' / '.join(f'{e:.2f}' for e in ends)} (mean {statistics.mean(ends):.2f}, "
          f"95% bootstrap over seeds [{low:.2f}, {high:.2f}]); above its start on {above} of {len(ends)}")
    return shares


def mean_interval(values: list[float], resamples: int = 2000, seed: int = 0,
                  level: float = 0.95) -> tuple[float, float]:
    """Bootstrap interval of the mean of ``values`` (the seeds resampled) at ``level``: sixteen seeds of
    this check swing by several seeds' worth from one set to the next, so a count alone says little."""
    rng = random.Random(seed)
    means = sorted(statistics.fmean(rng.choices(values, k=len(values))) for _ in range(resamples))
    return means[int((1 - level) / 2 * resamples)], means[int((1 + level) / 2 * resamples) - 1]


if __name__ == "__main__":
    main()
