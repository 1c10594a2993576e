"""Online rewards (``sampling.reward_source: train``) against the same rewards measured offline: the
progress and improvement rewards, which either way can read.

    python benchmarks/online_rewards.py --jobs 2   # hard mixture, 300 steps, seeds 0-5, 400 questions per dataset
    python benchmarks/online_rewards.py --quick    # smoke run

Two measurements:
- agreement: one online ``hbo`` run (seed 0) that, at every update, also measures the offline
  rewards on fresh draws at the same model state (without using them); per update the Pearson
  correlation of the two global reward vectors (one entry per dataset) and of the two local ones
  (every level of every dataset), and their mean over the run;
- accuracy: ``hbo`` offline, ``hbo`` online and ``proportional``, same budget and seeds, as in
  ``benchmarks/mixture.py``, and hbo online minus each of the other two: the paired difference in macro
  exact match (same seeds, same questions) with its 95% bootstrap interval over seeds and questions.
  Each run's result is a file under ``results/runs/online-rewards-STEPS/``, read back when the script
  runs again with the same config, so a stopped benchmark continues where it was.
Writes ``online_rewards.json`` and ``online_rewards.md``.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import tempfile
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mixture import commit, mean_std, paired, run_all, run_one  # noqa: E402
from run_files import machine  # noqa: E402

from hbo.model import quiet_libraries  # noqa: E402
from hbo.strategies import STRATEGIES, Registered  # noqa: E402
from hbo.strategies.hbo import HBOStrategy  # noqa: E402

HERE = Path(__file__).resolve().parent
FULL = {"steps": 300, "seeds": [0, 1, 2, 3, 4, 5], "overrides": ["data.mixture_heldout=400", "data.heldout_max=400"]}
QUICK = {"steps": 8, "seeds": [0], "overrides": ["sampling.update_interval=4", "data.heldout_max=8",
                                                  "eval.max_new_tokens=8", "sampling.global_samples_per_level=2",
                                                  "sampling.local_samples_per_level=2"]}
# the rewards that can be read either way (the default's held-out probe cannot be read off training)
PROGRESS = ["sampling.global_reward=progress", "sampling.local_reward=improvement"]
ONLINE = PROGRESS + ["sampling.reward_source=train"]
OFFLINE = PROGRESS + ["sampling.reward_source=offline"]


class ComparedHBO(HBOStrategy):
    """Online HBO that also measures, and records, the offline rewards at every update."""

    records: list[dict] = []

    def __init__(self, levels, config, base_loss, base_alone_loss):
        super().__init__(levels, config, base_loss, base_alone_loss)
        offline = dataclasses.replace(config, reward_source="offline")
        self.shadow = HBOStrategy(levels, offline, base_loss, base_alone_loss)

    def update(self, probe, step: int) -> dict:
        offline_global, offline_local = self.shadow.global_rewards(probe), self.shadow.local_rewards(probe)
        record = super().update(probe, step)
        ComparedHBO.records.append({"offline_global": offline_global, "online_global": record["global_reward"],
                                    "offline_local": offline_local, "online_local": record["local_reward"]})
        return record


def pearson(x: list[float], y: list[float]) -> float:
    pairs = torch.tensor([(a, b) for a, b in zip(x, y) if a == a and b == b], dtype=torch.float64)
    if len(pairs) < 3:
        return float("nan")
    return float(torch.corrcoef(pairs.T)[0, 1])


def agreement(steps: int, overrides: list[str], work: Path) -> dict:
    STRATEGIES["hbo-compared"] = Registered(ComparedHBO, online_rewards=True)
    ComparedHBO.records = []
    try:  # in this process (the registry entry lives here)
        run_one("hbo-compared", 0, steps, "hard", overrides + ONLINE + ["sampling.strategy=hbo-compared"], work / "compared")
    finally:
        del STRATEGIES["hbo-compared"]
    per_update = [{"global": pearson(r["offline_global"], r["online_global"]),
                   "local": pearson([v for d in r["offline_local"] for v in d], [v for d in r["online_local"] for v in d])}
                  for r in ComparedHBO.records]
    finite = {k: [u[k] for u in per_update if u[k] == u[k]] for k in ("global", "local")}
    return {"per_update": per_update, "rewards": ComparedHBO.records,
            "mean_correlation": {k: statistics.fmean(v) if v else float("nan") for k, v in finite.items()}}


VARIANTS = {"proportional": ["sampling.strategy=proportional"], "hbo offline": ["sampling.strategy=hbo", *OFFLINE],
            "hbo online": ["sampling.strategy=hbo", *ONLINE]}


def accuracy(steps: int, seeds: list[int], overrides: list[str], runs_dir: Path, workers: int) -> tuple[dict, dict]:
    """Every variant's runs (read back from ``runs_dir`` when done before), their means, and hbo online
    minus each other variant, paired over seeds and questions."""
    order = [(name, seed) for seed in seeds for name in VARIANTS]
    jobs = [(name.replace(" ", "-"), seed, steps, "hard", overrides + VARIANTS[name], runs_dir) for name, seed in order]
    runs = {name: [] for name in VARIANTS}
    for (name, _), r in zip(order, run_all(jobs, workers)):  # run_all keeps the jobs' order
        runs[name].append(r)
    summary = {name: {"macro_accuracy": mean_std([r["macro"] for r in rs]),
                      "worst_accuracy": mean_std([r["worst"] for r in rs]),
                      "heldout_loss": mean_std([r["loss"] for r in rs]),
                      "wall_s": statistics.fmean(r["wall_s"] for r in rs)} for name, rs in runs.items()}
    return summary, paired(runs, against="hbo online")


def markdown(result: dict) -> str:
    a, c = result["accuracy"], result["agreement"]
    lines = ["# Online rewards against offline ones", "", f"Command: `{result['command']}`  ",
             f"Commit: `{result['commit']}`  ", f"Machine: {result['machine']}  ",
             f"Budget: `hard` mixture, {result['steps']} steps x batch 16, seeds {result['seeds']}. hbo online − variant: "
             "paired difference in macro exact match (points; same seeds, same questions) with its 95% bootstrap "
             "interval over seeds and questions.", "",
             "| variant | macro EM | hbo online − variant [95% CI] | worst EM | held-out loss | train s |",
             "| --- | --- | --- | --- | --- | --- |"]
    for name, s in a.items():
        pair = result["paired"].get(name)
        versus = f"{pair['delta_macro']:+.1f} [{pair['ci95'][0]:+.1f}, {pair['ci95'][1]:+.1f}]" if pair else "-"
        lines.append(f"| {name} | {s['macro_accuracy']['mean']:.1f} ± {s['macro_accuracy']['std']:.1f} | {versus} | "
                     f"{s['worst_accuracy']['mean']:.1f} ± {s['worst_accuracy']['std']:.1f} | "
                     f"{s['heldout_loss']['mean']:.4f} | {s['wall_s']:.1f} |")
    lines += ["", f"Agreement over the {len(c['per_update'])} updates of one online run (seed 0), Pearson "
              f"correlation of the online rewards with offline ones measured at the same model state: global "
              f"{c['mean_correlation']['global']:.2f}, local {c['mean_correlation']['local']:.2f} (mean over updates).",
              "", "Per update (global / local): " + ", ".join(f"{u['global']:.2f} / {u['local']:.2f}"
                                                            for u in c["per_update"])]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default=None)
    parser.add_argument("--jobs", type=int, default=1, help="runs at a time (one torch thread each)")
    args = parser.parse_args(argv)
    quiet_libraries()
    plan = QUICK if args.quick else FULL
    out = Path(args.out) if args.out else (Path(tempfile.mkdtemp()) if args.quick else HERE / "results")
    out.mkdir(parents=True, exist_ok=True)
    result = {"commit": commit(), "command": "python benchmarks/online_rewards.py" + (" --quick" if args.quick else "")
              + (f" --jobs {args.jobs}" if args.jobs > 1 else ""),
              "steps": plan["steps"], "seeds": plan["seeds"],
              "machine": f"{machine()['cpu']}, torch threads 1 per run, {args.jobs} runs at a time"}
    with tempfile.TemporaryDirectory() as work:
        result["agreement"] = agreement(plan["steps"], plan["overrides"], Path(work))
    runs_dir = out / "runs" / f"online-rewards-{plan['steps']}"
    result["accuracy"], result["paired"] = accuracy(plan["steps"], plan["seeds"], plan["overrides"], runs_dir, args.jobs)
    (out / "online_rewards.json").write_text(json.dumps(result, indent=1) + "\n")
    (out / "online_rewards.md").write_text(markdown(result))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
