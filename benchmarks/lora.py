"""LoRA against full fine-tuning on the demo, and what hbo costs under each.

    python benchmarks/lora.py            # writes benchmarks/results/lora.json and lora.md
    python benchmarks/lora.py --quick    # smoke run (CI), written to a temp folder

Same data, steps and schedule for all four runs (proportional and hbo's default, full fine-tuning
and a LoRA adapter of rank 8 on every linear layer); they alternate round by round, and the ratios
are of the Trainer loop's seconds (reward work included, evaluation not) summed over rounds.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mixture import HERE, commit  # noqa: E402

RUNS = {"full/proportional": ["sampling.strategy=proportional"], "full/hbo": [],
        "lora/proportional": ["sampling.strategy=proportional", "model.lora={r: 8}"], "lora/hbo": ["model.lora={r: 8}"]}


def main(argv=None) -> int:
    from hbo.config import load_config
    from hbo.model import quiet_libraries
    from hbo.recipe import train

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    steps, rounds = (8, 1) if args.quick else (300, 3)
    out = Path(args.out) if args.out else (Path(tempfile.mkdtemp()) if args.quick else HERE / "results")
    out.mkdir(parents=True, exist_ok=True)
    quiet_libraries()
    seconds: dict[str, list[float]] = {name: [] for name in RUNS}
    macro: dict[str, list[float]] = {name: [] for name in RUNS}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            for name, overrides in RUNS.items():
                config = load_config(None, [f"training.max_steps={steps}", "eval.before=false", "data.heldout_max=20",
                                            "eval.max_new_tokens=16", f"output_dir={tmp}/{name}-{r}",
                                            f"scoring.cache_dir={tmp}/scores", *overrides])
                with contextlib.redirect_stdout(io.StringIO()):
                    results = train(config, progress=False)
                seconds[name].append(results["timing"]["training_s"])
                macro[name].append(results["after"]["macro"]["exact_match"])
                print(f"round {r}: {name}: {seconds[name][-1]:.1f}s", flush=True)
    total = {name: sum(s) for name, s in seconds.items()}
    result = {"commit": commit(), "command": "python benchmarks/lora.py" + (" --quick" if args.quick else ""),
              "steps": steps, "rounds": rounds, "training_s": seconds, "exact_match_macro": macro,
              "lora_vs_full": {"proportional": total["lora/proportional"] / total["full/proportional"],
                               "hbo": total["lora/hbo"] / total["full/hbo"]},
              "hbo_vs_proportional": {"full": total["full/hbo"] / total["full/proportional"],
                                      "lora": total["lora/hbo"] / total["lora/proportional"]}}
    (out / "lora.json").write_text(json.dumps(result, indent=1) + "\n")
    lines = ["# LoRA and full fine-tuning on the demo", "", f"Command: `{result['command']}`  ",
             f"Commit: `{result['commit']}`  ", f"{steps} steps x batch 16, {rounds} rounds, demo model (0.9M), "
             "LoRA rank 8 on every linear layer; Trainer-loop seconds summed over rounds.", "",
             "| | full fine-tuning | LoRA | LoRA / full |", "| --- | --- | --- | --- |"]
    for strategy in ("proportional", "hbo"):
        lines.append(f"| {strategy} | {total['full/' + strategy]:.1f} s | {total['lora/' + strategy]:.1f} s | "
                     f"{result['lora_vs_full'][strategy]:.2f}x |")
    lines.append(f"| hbo / proportional | {result['hbo_vs_proportional']['full']:.2f}x | "
                 f"{result['hbo_vs_proportional']['lora']:.2f}x | |")
    (out / "lora.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
