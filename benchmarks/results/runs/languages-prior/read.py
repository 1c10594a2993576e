"""RULE.md's reading: hbo with a prior of temperature 2 and 4 against temperature sampling (tau = 10), hbo's
default and proportional on the development mixture `dev-languages` under linear decay, the rule's choice
between the two, then the chosen prior on `check-languages` against the check's stored runs (if its runs
exist). Run from the repository root:

    python benchmarks/results/runs/languages-prior/read.py        # read.txt

Every arm ran here (Intel Xeon, model 207)."""
import sys
from pathlib import Path

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

HERE = "benchmarks/results/runs/languages-prior"
CHECK = "benchmarks/results/runs/check-languages"
DEV = f"{HERE}/dev-linear"
CANDIDATES = {2: f"{HERE}/dev-linear-t2", 4: f"{HERE}/dev-linear-t4"}


def delta(first: str, second: str, seeds: list[int]) -> float:
    return pair_runs.compare_pair(*pair_runs.read_arms(first, second, seeds))["delta_macro"]


def screen() -> int | None:
    """The development reading and the rule's choice: the candidate further ahead of temperature sampling,
    if that lead is above 0 and above the default's."""
    seeds = pair_runs.finished_seeds([DEV, f"{DEV}:temperature", f"{DEV}:proportional", *CANDIDATES.values()],
                                     [0, 1, 2, 3])
    if not seeds:
        print("dev-languages: no seed has finished every arm")
        return None
    print(f"dev-languages under linear decay, seeds {seeds}, 100 questions per dataset, paired 95% bootstrap interval:")
    arms = {"hbo (prior tau 1, the default)": DEV, **{f"hbo, prior tau {t}": f for t, f in CANDIDATES.items()}}
    for label, arm in arms.items():
        for other in ("temperature", "proportional"):
            print("  " + pair_runs.pair_line(f"{label} - {other}", arm, f"{DEV}:{other}", seeds))
    print("  " + pair_runs.pair_line("temperature - proportional", f"{DEV}:temperature", f"{DEV}:proportional", seeds))
    for label, arm in arms.items():
        print("  " + pair_runs.shares_line(label, arm, seeds))
    print("  the prior at tau 1, 2, 4 and temperature sampling's mixture:")
    for arm in (DEV, *CANDIDATES.values()):
        print("    " + pair_runs.format_shares(pair_runs.probability_records(arm, seeds[0])[0]["global"]))
    print("    " + pair_runs.format_shares(pair_runs.probability_records(DEV, seeds[0], "temperature")[0]["global"]))
    leads = {t: delta(arm, f"{DEV}:temperature", seeds) for t, arm in CANDIDATES.items()}
    default = delta(DEV, f"{DEV}:temperature", seeds)
    best = max(leads, key=leads.get)
    passed = len(seeds) == 4 and leads[best] > 0 and leads[best] > default
    print(f"  the rule's choice: tau {best} ({leads[best]:+.2f} against temperature sampling; the default "
          f"{default:+.2f}): {'goes on to the check' if passed else 'stops here'}")
    return best if passed else None


def check(tau: int) -> None:
    """The chosen prior on check-languages, under linear decay and the constant schedule."""
    for schedule, arm, seeds, others in (
            ("linear decay", f"{HERE}/linear-t{tau}", list(range(6)),
             {"temperature": f"{CHECK}/linear:temperature", "hbo": f"{CHECK}/linear",
              "proportional": f"{CHECK}/linear:proportional"}),
            ("the constant schedule", f"{HERE}/constant-t{tau}", list(range(12)),
             {"temperature": f"{CHECK}/paper:temperature", "hbo": f"{CHECK}/main",
              "proportional": f"{CHECK}/main:proportional"})):
        if not Path(arm).exists():
            print(f"\ncheck-languages under {schedule}: not run")
            continue
        done = pair_runs.finished_seeds([arm, *others.values()], seeds)
        if not done:
            print(f"\ncheck-languages under {schedule}: no seed has finished")
            continue
        print(f"\ncheck-languages under {schedule}, hbo with a prior of tau {tau}, seeds {done}, 400 questions "
              "per dataset, paired 95% bootstrap interval:")
        for label, other in others.items():
            print("  " + pair_runs.pair_line(f"prior tau {tau} - {label}", arm, other, done))
        # how early each hbo arm gives the smallest new language its samples (temperature sampling: 0.10 throughout)
        print("  " + pair_runs.shares_line(f"prior tau {tau}", arm, done, early="reverse-sv"))
        print("  " + pair_runs.shares_line("hbo (prior tau 1)", others["hbo"], done, early="reverse-sv"))


def main() -> None:
    chosen = screen()
    if chosen is not None:
        check(chosen)


if __name__ == "__main__":
    main()
