"""The sweep behind hbo's sampling defaults: `hbo` on the benchmark mixture, one setting changed at a
time around the defaults (actor learning rate, update interval S, prior temperature T), plus the
reference implementation's values (`preset: reference`).

    python benchmarks/sweep.py              # writes benchmarks/results/sweep.md and sweep.json
    python benchmarks/sweep.py --seeds 0    # one seed (faster)
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from tqdm.auto import tqdm

from mixture import HERE, commit, mean_std, run_one
from hbo.run import quiet_libraries

SETTINGS = {
    "defaults": [],
    "actor_lr=1e-4": ["sampling.actor_lr=1e-4"],
    "actor_lr=1e-3": ["sampling.actor_lr=1e-3"],
    "actor_lr=3e-2": ["sampling.actor_lr=3e-2"],
    "S=10": ["sampling.update_interval=10"],
    "S=50": ["sampling.update_interval=50"],
    "T=5": ["sampling.temperature=5"],
    "T=inf": ["sampling.temperature=inf"],
    "preset: reference": ["preset=reference"],
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--mixture", default="hard")
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    parser.add_argument("--out", default=str(HERE / "results"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    quiet_libraries()
    started_at = commit()
    runs: dict[str, list[dict]] = {name: [] for name in args.settings}
    with tempfile.TemporaryDirectory(prefix="hbo-sweep-") as work:
        jobs = [(seed, name) for seed in args.seeds for name in args.settings]
        for seed, name in tqdm(jobs, desc="runs", unit="run"):
            runs[name].append(run_one("hbo", seed, args.steps, args.mixture, SETTINGS[name], Path(work) / f"{seed}"))
    table = {name: {"overrides": SETTINGS[name], "macro_accuracy": mean_std([r["macro"] for r in rs]),
                    "worst_accuracy": mean_std([r["worst"] for r in rs]),
                    "heldout_loss": mean_std([r["loss"] for r in rs])} for name, rs in runs.items()}
    result = {"commit": started_at, "mixture": args.mixture, "steps": args.steps, "seeds": args.seeds,
              "command": "python benchmarks/sweep.py " + " ".join(argv if argv is not None else sys.argv[1:]),
              "settings": table, "runs": runs}
    (out / "sweep.json").write_text(json.dumps(result, indent=1))
    lines = [f"# hbo's sampling settings on the `{args.mixture}` mixture", "",
             f"Command: `{result['command']}`  ", f"Commit: `{result['commit']}`  ",
             f"Budget: {args.steps} steps per run, seeds {args.seeds}; held-out exact match (%), mean ± std.", "",
             "| setting | macro | worst | held-out loss |", "| --- | --- | --- | --- |"]
    for name, s in table.items():
        lines.append(f"| {name} | {s['macro_accuracy']['mean']:.1f} ± {s['macro_accuracy']['std']:.1f} | "
                     f"{s['worst_accuracy']['mean']:.1f} ± {s['worst_accuracy']['std']:.1f} | "
                     f"{s['heldout_loss']['mean']:.4f} ± {s['heldout_loss']['std']:.4f} |")
    (out / "sweep.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
