"""RULE.md's reading (and its four addenda): `check-many`, sixteen datasets, the mixture's 100 questions
per dataset. Seeds 0-5 ran on an Intel Xeon (model 207); the linear-decay runs and seeds 6-11 (`amd-6-11/`)
on an AMD EPYC (family 25, model 17); each pair of runs comes from one processor. Run from the repository
root: `python benchmarks/results/runs/check-many/read.py` (saved as `read.txt`)."""
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

HERE = "benchmarks/results/runs/check-many"
MAIN, PROBE, PAPER, LINEAR = f"{HERE}/main", f"{HERE}/probe-2", f"{HERE}/paper", f"{HERE}/linear"
AMD = f"{HERE}/amd-6-11"
SEEDS = list(range(6))
MORE, ALL = list(range(6, 12)), list(range(12))
# the third and fourth addenda: each arm's seeds 0-5 (Intel) and 6-11 (AMD) read as one
POOLED = {"hbo": f"{MAIN},{AMD}/main", "proportional": f"{MAIN},{AMD}/main:proportional",
          "temperature": f"{MAIN},{AMD}/main:temperature", "probe-2": f"{PROBE},{AMD}/probe-2",
          "hbo-paper": f"{PAPER},{AMD}/paper:hbo-paper"}


def twelve_seeds() -> None:
    """The third addendum's reading over seeds 0-11, and seeds 6-11 alone."""
    # each AMD folder alone: a one-folder spec reads a missing or empty folder as no seeds run yet
    later = [spec.split(",")[1] for spec in POOLED.values()]
    if pair_runs.finished_seeds(later, MORE) != MORE:
        print("seeds 6-11: not every arm has run yet")
        return
    for seeds, title in ((ALL, "seeds 0-11"), (MORE, "seeds 6-11 alone (AMD EPYC)")):
        print(f"{title}:")
        for label, first, second in (("hbo, probe_per_level 2 - hbo", "probe-2", "hbo"),
                                     ("hbo - proportional", "hbo", "proportional"),
                                     ("hbo - temperature sampling", "hbo", "temperature"),
                                     ("hbo - hbo-paper", "hbo", "hbo-paper"),
                                     ("temperature sampling - proportional", "temperature", "proportional")):
            print(pair_runs.pair_line(f"  {label}", POOLED[first], POOLED[second], seeds))
    print(pair_runs.shares_line("  hbo, seeds 6-11", f"{AMD}/main", MORE))


def main() -> None:
    print("check-many (16 datasets), seeds 0-5, 100 questions per dataset, paired 95% bootstrap interval:")
    print(pair_runs.pair_line("hbo - proportional", MAIN, f"{MAIN}:proportional", SEEDS))
    print(pair_runs.pair_line("hbo - temperature sampling", MAIN, f"{MAIN}:temperature", SEEDS))
    print(pair_runs.pair_line("temperature sampling - proportional", f"{MAIN}:temperature", f"{MAIN}:proportional",
                              SEEDS))
    if pair_runs.finished_seeds([PROBE], SEEDS) == SEEDS:
        print(pair_runs.pair_line("hbo, probe_per_level 2 - hbo", PROBE, MAIN, SEEDS))
        print(pair_runs.pair_line("hbo, probe_per_level 2 - proportional", PROBE, f"{MAIN}:proportional", SEEDS))
    else:
        print("hbo, probe_per_level 2: not every seed has run yet")
    if pair_runs.finished_seeds([f"{PAPER}:hbo-paper"], SEEDS) == SEEDS:  # the addendum's arm
        print(pair_runs.pair_line("hbo - hbo-paper", MAIN, f"{PAPER}:hbo-paper", SEEDS))
        print(pair_runs.pair_line("hbo-paper - proportional", f"{PAPER}:hbo-paper", f"{MAIN}:proportional", SEEDS))
    else:
        print("hbo-paper: not every seed has run yet")
    print(pair_runs.shares_line("hbo", MAIN, SEEDS))
    if pair_runs.finished_seeds([f"{PAPER}:hbo-paper"], SEEDS) == SEEDS:
        print("hbo-paper, mean share from step 550: "
              + pair_runs.format_shares(pair_runs.late_shares(PAPER, SEEDS, 550, name="hbo-paper")))
    print("proportional, mean share from step 550: "
          + pair_runs.format_shares(pair_runs.late_shares(MAIN, SEEDS, 550, name="proportional")))
    if pair_runs.finished_seeds([LINEAR, f"{LINEAR}:proportional", f"{LINEAR}:temperature"], SEEDS) == SEEDS:
        print("under linear decay to 0 (the second addendum):")  # every arm on the same seeds
        print(pair_runs.pair_line("  hbo - proportional", LINEAR, f"{LINEAR}:proportional", SEEDS))
        print(pair_runs.pair_line("  hbo - temperature sampling", LINEAR, f"{LINEAR}:temperature", SEEDS))
        print(pair_runs.pair_line("  temperature sampling - proportional", f"{LINEAR}:temperature",
                                  f"{LINEAR}:proportional", SEEDS))
        print(pair_runs.shares_line("  hbo", LINEAR, SEEDS))
    else:
        print("under linear decay: not every seed has run yet")
    twelve_seeds()


if __name__ == "__main__":
    main()
