"""RULE.md's reading: the adapter's learning rate (step 1), then hbo's default against proportional
with a LoRA adapter (step 2), with the full fine-tuning figure of the same seeds beside it. Run from
the repository root:

    python benchmarks/results/runs/lora-check/read.py        # read.txt

Step 2's arms both ran here (Intel Xeon, model 207). The full fine-tuning runs beside them are the
stored ones of the summary table (`../default-table/read.py`), some of model 167, which gives the
same answers from the same config; every pair is checked to share its library versions and to come
from one of those two processors."""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

R = "benchmarks/results/runs"
HERE = f"{R}/lora-check"
SCREEN = f"{R}/average-draw-screen"
RATES = ("3e-4", "1e-3", "3e-3")
MIXTURES = ("dev", "check-manynew", "hard", "clean", "check-newtask")  # the last two: the rule's addition
SEEDS = list(range(6))
# Full fine-tuning, today's default and proportional, and the seeds of SEEDS both have stored.
FULL = {"dev": (f"{SCREEN}/dev", f"{R}/deck-screen/plain-dev:proportional", [0, 1, 2, 3]),
        "check-manynew": (f"{SCREEN}/check-manynew", f"{R}/check-manynew/runs:proportional", SEEDS),
        "hard": (f"{SCREEN}/hard", f"{SCREEN}/default-hard:proportional", SEEDS),
        "clean": (f"{SCREEN}/clean", f"{SCREEN}/default-clean:proportional", SEEDS),
        "check-newtask": (f"{SCREEN}/check-newtask", f"{R}/check-newtask/runs:proportional", SEEDS)}


def finished(folder: str, seeds: list[int]) -> list[int]:
    """The seeds of ``seeds`` whose runs of both arms are under ``folder`` (none while it is absent)."""
    return pair_runs.finished_seeds([folder, f"{folder}:proportional"], seeds)


def macro_of(folder: str, seeds: list[int]) -> list[float]:
    """Proportional's macro exact match of each seed's run under ``folder``."""
    return [run["macro"] for run in pair_runs.read_seeds(f"{folder}:proportional", seeds)]


def chosen_rate() -> str | None:
    """Step 1: the rate with the highest mean macro; one within 0.5 points of the best goes to the
    smaller. None until every rate has both seeds."""
    means = {}
    for rate in RATES:
        folder = f"{HERE}/lr-{rate}"
        if not Path(folder).exists():
            return None
        scores = macro_of(folder, [0, 1])
        means[rate] = float(np.mean(scores))
        print(f"step 1, dev-tiebreak, proportional, learning rate {rate}: macro {means[rate]:.1f} "
              f"(seeds 0, 1: {', '.join(f'{s:.1f}' for s in scores)})")
    best = max(means.values())
    rate = next(r for r in RATES if means[r] >= best - 0.5)
    print(f"step 1 takes {rate}\n")
    return rate


def main() -> None:
    if chosen_rate() is None:
        print("step 1 has not finished")
        return
    for mixture in MIXTURES:
        folder = f"{HERE}/{mixture}"
        done = finished(folder, SEEDS)
        if not done:
            print(f"{mixture}: no seed has finished\n")
            continue
        span = f"seeds {done[0]}-{done[-1]}" if done == list(range(done[0], done[-1] + 1)) else f"seeds {done}"
        print(f"{mixture}, {span}, paired 95% bootstrap interval:")
        print("  " + pair_runs.pair_line("LoRA: hbo - proportional", folder, f"{folder}:proportional", done))
        full_hbo, full_proportional, full_seeds = FULL[mixture]
        on = [s for s in done if s in full_seeds]
        print("  " + pair_runs.pair_line(f"full fine-tuning, seeds {on}: hbo - proportional", full_hbo,
                                         full_proportional, on, alike_processors=True))
        print("  " + pair_runs.pair_line(f"proportional, seeds {on}: LoRA - full fine-tuning", f"{folder}:proportional",
                                         full_proportional, on, alike_processors=True))
        print("  " + pair_runs.shares_line("LoRA, hbo", folder, done))
        print("  " + pair_runs.shares_line(f"full fine-tuning, hbo, seeds {on}", full_hbo, on))
        prior = pair_runs.probability_records(folder, done[0])[0]["global"]
        print("  the prior: " + pair_runs.format_shares(prior) + "\n")


def against_the_first_runs(folder: str, seeds: list[int], what: str, arm: str, change: str) -> None:
    """One of the rule's additions on `check-newtask` (its runs under ``folder``, labelled ``what``):
    the two arms against each other, then each against its own runs of step 2 (``change``, with
    ``{name}`` for the arm), and where hbo's shares settled. No full fine-tuning runs are beside them."""
    if finished(folder, seeds) != seeds:
        print(f"check-newtask, {what}: not finished")
        return
    print(f"check-newtask, {what}, seeds {seeds[0]}-{seeds[-1]}, paired 95% bootstrap interval:")
    print("  " + pair_runs.pair_line(f"{arm}: hbo - proportional", folder, f"{folder}:proportional", seeds))
    for name in ("hbo", "proportional"):
        print("  " + pair_runs.pair_line(change.format(name=name), f"{folder}:{name}",
                                         f"{HERE}/check-newtask:{name}", seeds))
    print("  " + pair_runs.shares_line(f"{arm}, hbo", folder, seeds))


if __name__ == "__main__":
    main()
    # the rule's second and third additions: a budget twice as long, a larger adapter
    against_the_first_runs(f"{HERE}/check-newtask-2000", [0, 1, 2, 3], "2000 steps", "LoRA",
                           "LoRA, {name}: 2000 steps - 1000")
    print()
    against_the_first_runs(f"{HERE}/check-newtask-r32", SEEDS, "rank 32", "LoRA rank 32", "{name}: rank 32 - rank 8")
