"""RULE.md's reading: hbo's default against proportional, the paper's temperature sampling (tau = 10)
and the paper's method as published (`hbo-paper`) on `check-languages`, paired over seeds and
questions, then where hbo's mixture settled: over seeds 0-5 (the rule's reading), then over seeds 0-11
(its first addition); then hbo with its prior at temperature 10 against the others (its second); then
the three arms run again under linear decay, seeds 0-5 (its third) and 0-11 (its fourth).
Run from the repository root:

    python benchmarks/results/runs/check-languages/read.py        # read.txt

Every arm ran here (Intel Xeon, model 207)."""
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

HERE = "benchmarks/results/runs/check-languages"
SEEDS = list(range(12))
OTHERS = {"proportional": f"{HERE}/main:proportional", "temperature": f"{HERE}/paper:temperature",
          "hbo-paper": f"{HERE}/paper:hbo-paper"}


def report(seeds: list[int]) -> None:
    """The reading over those of ``seeds`` every arm has finished."""
    hbo = f"{HERE}/main"
    done = pair_runs.finished_seeds([hbo, *OTHERS.values()], seeds)
    if not done:
        print(f"seeds {seeds[0]}-{seeds[-1]}: no seed has finished every arm\n")
        return
    print(f"check-languages, seeds {done}, 400 questions per dataset, paired 95% bootstrap interval:")
    for label, other in OTHERS.items():
        print("  " + pair_runs.pair_line(f"hbo - {label}", hbo, other, done))
    # the two static mixes against each other: which hbo has to match
    print("  " + pair_runs.pair_line("temperature - proportional", OTHERS["temperature"], OTHERS["proportional"], done))
    print("  " + pair_runs.shares_line("hbo", hbo, done))
    print("  the prior: " + pair_runs.format_shares(pair_runs.probability_records(hbo, done[0])[0]["global"]))
    shares = pair_runs.late_shares(f"{HERE}/paper", done, 550, name="hbo-paper")
    print(f"  hbo-paper, mean share from step 550: {pair_runs.format_shares(shares)}\n")


def prior_t10() -> None:
    """The rule's second addition: hbo's default with a temperature-10 prior, on the seeds it has finished."""
    arm = f"{HERE}/hbo-prior-t10"
    done = pair_runs.finished_seeds([arm, f"{HERE}/main", *OTHERS.values()], SEEDS)
    if not done:
        print("hbo with a temperature-10 prior: no seed has finished")
        return
    print(f"check-languages, hbo with a temperature-10 prior, seeds {done}, paired 95% bootstrap interval:")
    for label, other in {"temperature": OTHERS["temperature"], "hbo": f"{HERE}/main",
                         "proportional": OTHERS["proportional"]}.items():
        print("  " + pair_runs.pair_line(f"t10 prior - {label}", arm, other, done))
    print("  " + pair_runs.shares_line("t10 prior", arm, done))
    print("  its prior: " + pair_runs.format_shares(pair_runs.probability_records(arm, done[0])[0]["global"]))


def linear(seeds: list[int]) -> None:
    """The rule's third addition: proportional, hbo and temperature under linear decay, seeds 0-5; its
    fourth: the same over seeds 0-11."""
    arm = f"{HERE}/linear"
    done = pair_runs.finished_seeds([arm, f"{arm}:proportional", f"{arm}:temperature"], seeds)
    if not done:
        print("linear decay: no seed has finished every arm")
        return
    print(f"check-languages under linear decay, seeds {done}, paired 95% bootstrap interval:")
    for label, first, second in (("hbo - proportional", arm, f"{arm}:proportional"),
                                 ("hbo - temperature", arm, f"{arm}:temperature"),
                                 ("temperature - proportional", f"{arm}:temperature", f"{arm}:proportional")):
        print("  " + pair_runs.pair_line(label, first, second, done))
    print("  " + pair_runs.shares_line("hbo", arm, done))


def main() -> None:
    report(SEEDS[:6])
    report(SEEDS)
    prior_t10()
    print()
    linear(SEEDS[:6])
    print()
    linear(SEEDS)


if __name__ == "__main__":
    main()
