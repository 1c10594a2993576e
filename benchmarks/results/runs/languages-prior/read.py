"""RULE.md's reading: hbo with a prior of temperature 2 and 4 against temperature sampling (tau = 10), hbo's
default and proportional on the development mixture `dev-languages` under linear decay, the rule's choice
between the two, then the chosen prior on `check-languages` against the check's stored runs (under linear
decay over seeds 0-5, then 0-11 by the rule's second addition); then the
rule's addition, hbo drawing from its actor as it stands, judged by the same rule (the check's part only
where its runs exist). Run from the repository root:

    python benchmarks/results/runs/languages-prior/read.py        # read.txt

Every arm ran here (Intel Xeon, model 207)."""
import sys
from pathlib import Path

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

HERE = "benchmarks/results/runs/languages-prior"
CHECK = "benchmarks/results/runs/check-languages"
DEV = f"{HERE}/dev-linear"
SEEDS = [0, 1, 2, 3]
PRIORS = {"t2": "hbo, prior tau 2", "t4": "hbo, prior tau 4"}  # the rule's candidates, by folder suffix
ADDED = {"actor": "hbo, drawing from the actor"}  # the addition's candidate


def screen(candidates: dict[str, str], with_baselines: bool) -> str | None:
    """The development reading of ``candidates`` and the rule's choice among them: the one furthest
    ahead of temperature sampling, if that lead is above 0 and above the default's."""
    folders = {suffix: f"{DEV}-{suffix}" for suffix in candidates}
    seeds = pair_runs.finished_seeds([DEV, f"{DEV}:temperature", f"{DEV}:proportional", *folders.values()], SEEDS)
    if not seeds:
        print(f"dev-languages, {', '.join(candidates.values())}: no seed has finished every arm")
        return None
    print(f"dev-languages under linear decay, seeds {seeds}, 100 questions per dataset, paired 95% bootstrap interval:")
    labels = {"": "hbo (prior tau 1, the default)", **candidates}  # by folder suffix; "" is the default's
    arms = {suffix: f"{DEV}-{suffix}" if suffix else DEV for suffix in labels}
    # each arm against temperature sampling, once: printed, and the rule's choice reads it
    ahead = {suffix: pair_runs.compare_pair(*pair_runs.read_arms(arm, f"{DEV}:temperature", seeds))
             for suffix, arm in arms.items()}
    shown = [suffix for suffix in labels if suffix or with_baselines]
    for suffix in shown:
        print("  " + pair_runs.format_pair(f"{labels[suffix]} - temperature", ahead[suffix]))
        print("  " + pair_runs.pair_line(f"{labels[suffix]} - proportional", arms[suffix], f"{DEV}:proportional",
                                         seeds))
    if with_baselines:
        print("  " + pair_runs.pair_line("temperature - proportional", f"{DEV}:temperature", f"{DEV}:proportional",
                                         seeds))
    for suffix in shown:
        print("  " + pair_runs.shares_line(labels[suffix], arms[suffix], seeds))
    if with_baselines:
        print("  the prior at tau 1, 2, 4 and temperature sampling's mixture:")
        for arm in arms.values():
            print("    " + pair_runs.format_shares(pair_runs.probability_records(arm, seeds[0])[0]["global"]))
        print("    " + pair_runs.format_shares(pair_runs.probability_records(DEV, seeds[0], "temperature")[0]["global"]))
    leads = {suffix: ahead[suffix]["delta_macro"] for suffix in candidates}
    default = ahead[""]["delta_macro"]
    best = max(leads, key=leads.get)
    passed = seeds == SEEDS and leads[best] > 0 and leads[best] > default
    print(f"  the rule's choice: {candidates[best]} ({leads[best]:+.2f} against temperature sampling; the default "
          f"{default:+.2f}): {'goes on to the check' if passed else 'stops here'}")
    return best if passed else None


def check(suffix: str, label: str) -> None:
    """The chosen candidate on check-languages, under linear decay and the constant schedule."""
    linear = {"temperature": f"{CHECK}/linear:temperature", "hbo": f"{CHECK}/linear",
              "proportional": f"{CHECK}/linear:proportional"}
    for schedule, arm, seeds, others in (
            ("linear decay", f"{HERE}/linear-{suffix}", list(range(6)), linear),
            ("linear decay", f"{HERE}/linear-{suffix}", list(range(12)), linear),  # the rule's second addition
            ("the constant schedule", f"{HERE}/constant-{suffix}", list(range(12)),
             {"temperature": f"{CHECK}/paper:temperature", "hbo": f"{CHECK}/main",
              "proportional": f"{CHECK}/main:proportional"})):
        if not Path(arm).exists():
            print(f"\ncheck-languages under {schedule}, {label}: not run")
            continue
        done = pair_runs.finished_seeds([arm, *others.values()], seeds)
        if not done:
            print(f"\ncheck-languages under {schedule}, {label}: no seed has finished")
            continue
        print(f"\ncheck-languages under {schedule}, {label}, seeds {done}, 400 questions per dataset, "
              "paired 95% bootstrap interval:")
        for other, folder in others.items():
            print("  " + pair_runs.pair_line(f"{label} - {other}", arm, folder, done))
        # how early each hbo arm gives the smallest new language its samples (temperature sampling: 0.10 throughout)
        print("  " + pair_runs.shares_line(label, arm, done, early="reverse-sv"))
        print("  " + pair_runs.shares_line("hbo's default", others["hbo"], done, early="reverse-sv"))


def main() -> None:
    for candidates, with_baselines in ((PRIORS, True), (ADDED, False)):
        chosen = screen(candidates, with_baselines)
        if chosen is not None:
            check(chosen, candidates[chosen])
        print()


if __name__ == "__main__":
    main()
