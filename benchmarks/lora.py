"""LoRA against full fine-tuning on the demo, and what hbo costs under each.

    python benchmarks/lora.py            # writes benchmarks/results/lora.json and lora.md
    python benchmarks/lora.py --quick    # smoke run (CI), written to a temp folder

Same data, steps and schedule for all four runs (proportional and hbo's default, full fine-tuning
and a LoRA adapter of rank 8 on every linear layer); they alternate round by round, each round in
another order, and the ratios are of the Trainer loop's seconds (reward work included, evaluation
not) summed over rounds. Short rounds carry the machine's drift, and hbo moves the mixture and with
it the length of what a step trains on, so two more figures, as ``benchmarks/overhead.py`` gives them:
the token positions hbo trained on against proportional's, and hbo's cost estimated without the drift,
1 / (1 - the share of its own training loop spent in its updates and weight average).
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
    update_s: dict[str, list[float]] = {name: [] for name in RUNS}
    tokens: dict[str, list[int]] = {name: [] for name in RUNS}
    macro: dict[str, list[float]] = {name: [] for name in RUNS}
    names = list(RUNS)
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            for name in names[r % len(names):] + names[:r % len(names)]:  # no run always follows the same one
                overrides = RUNS[name]
                config = load_config(None, [f"training.max_steps={steps}", "eval.before=false", "data.heldout_max=20",
                                            "eval.max_new_tokens=16", f"output_dir={tmp}/{name}-{r}",
                                            f"scoring.cache_dir={tmp}/scores", *overrides])
                with contextlib.redirect_stdout(io.StringIO()):
                    results = train(config, progress=False)
                seconds[name].append(results["timing"]["training_s"])
                update_s[name].append(results["timing"]["update_s"])
                tokens[name].append(results["timing"]["padded_tokens"])
                macro[name].append(results["after"]["macro"]["exact_match"])
                print(f"round {r}: {name}: {seconds[name][-1]:.1f}s", flush=True)
    total = {name: sum(s) for name, s in seconds.items()}
    share = {mode: sum(update_s[f"{mode}/hbo"]) / total[f"{mode}/hbo"] for mode in ("full", "lora")}
    result = {"commit": commit(), "command": "python benchmarks/lora.py" + (" --quick" if args.quick else ""),
              "steps": steps, "rounds": rounds, "training_s": seconds, "update_s": update_s, "padded_tokens": tokens,
              "exact_match_macro": macro,
              "lora_vs_full": {"proportional": total["lora/proportional"] / total["full/proportional"],
                               "hbo": total["lora/hbo"] / total["full/hbo"]},
              "hbo_vs_proportional": {"full": total["full/hbo"] / total["full/proportional"],
                                      "lora": total["lora/hbo"] / total["lora/proportional"]},
              "tokens_hbo_vs_proportional": {mode: sum(tokens[f"{mode}/hbo"]) / sum(tokens[f"{mode}/proportional"])
                                             for mode in ("full", "lora")},
              "update_share": share,
              "estimated_hbo_vs_proportional": {mode: 1 / (1 - share[mode]) for mode in ("full", "lora")}}
    (out / "lora.json").write_text(json.dumps(result, indent=1) + "\n")
    lines = ["# LoRA and full fine-tuning on the demo", "", f"Command: `{result['command']}`  ",
             f"Commit: `{result['commit']}`  ", f"{steps} steps x batch 16, {rounds} rounds, demo model (0.9M), "
             "LoRA rank 8 on every linear layer; Trainer-loop seconds summed over rounds. Estimated: 1 / (1 - the share "
             "of hbo's training loop spent in its updates), hbo's cost without the machine's drift between runs; "
             "tokens: token positions trained on (padding included), hbo's against proportional's.", "",
             "| | full fine-tuning | LoRA | LoRA / full |", "| --- | --- | --- | --- |"]
    for strategy in ("proportional", "hbo"):
        lines.append(f"| {strategy} | {total['full/' + strategy]:.1f} s | {total['lora/' + strategy]:.1f} s | "
                     f"{result['lora_vs_full'][strategy]:.2f}x |")
    lines.append(f"| hbo / proportional, measured | {result['hbo_vs_proportional']['full']:.2f}x | "
                 f"{result['hbo_vs_proportional']['lora']:.2f}x | |")
    lines.append(f"| hbo / proportional, tokens | {result['tokens_hbo_vs_proportional']['full']:.3f}x | "
                 f"{result['tokens_hbo_vs_proportional']['lora']:.3f}x | |")
    lines.append(f"| hbo's updates, share of its training loop | {100 * share['full']:.1f}% | {100 * share['lora']:.1f}% | |")
    lines.append(f"| hbo / proportional, estimated | {result['estimated_hbo_vs_proportional']['full']:.3f}x | "
                 f"{result['estimated_hbo_vs_proportional']['lora']:.3f}x | |")
    (out / "lora.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
