"""The check's reading (RULE.md, RULE-more-seeds.md): hbo − proportional and − hbo-paper on
check-manynew, where four of five datasets hold a task the model has not learnt, every run on one
processor (Intel Xeon, model 167), and where each strategy's mixture settled. Run from the repository
root: python benchmarks/results/runs/check-manynew/read.py (read.txt); with `linear`, the report of
RULE-linear.md instead (read-linear.txt)."""
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

HERE = "benchmarks/results/runs/check-manynew"
LOOKS = (("seeds 0-5 (the first look, RULE.md)", f"{HERE}/runs", list(range(6))),
         ("seeds 6-11 (RULE-more-seeds.md)", f"{HERE}/more-seeds", list(range(6, 12))),
         ("seeds 0-11", f"{HERE}/runs,{HERE}/more-seeds", list(range(12))))


def shares(runs: str, seeds: list[int], names: tuple[str, ...]) -> None:
    """Each strategy's mean share of every dataset over steps 0-500 and from step 550."""
    for name in names:
        early = {d: pair_runs.share_between(runs, seeds, d, 0, 500, name=name)
                 for d in pair_runs.probability_records(runs, seeds[0], name)[0]["global"]}
        print(f"{name}, steps 0-500: {pair_runs.format_shares(early)}; from step 550: "
              + pair_runs.format_shares(pair_runs.late_shares(runs, seeds, 550, name=name)))


def looks() -> None:
    """RULE.md's first look, RULE-more-seeds.md's seeds, and both together."""
    for label, runs, seeds in LOOKS:
        print(f"check-manynew, {label}, 400 questions per dataset, paired 95% bootstrap interval:")
        for other in ("proportional", "hbo-paper"):
            print(pair_runs.pair_line(f"hbo - {other}", runs, f"{runs}:{other}", seeds))
    label, runs, seeds = LOOKS[-1]
    print(f"mean share of the samples at steps 0-500 and from step 550, {label}:")
    shares(runs, seeds, ("hbo", "proportional", "hbo-paper"))


def linear() -> None:
    """RULE-linear.md's report: the same mixture under linear decay to 0."""
    runs, seeds = f"{HERE}/linear", list(range(6))
    print("check-manynew under linear decay to 0, seeds 0-5, 400 questions per dataset, paired 95% bootstrap interval:")
    print(pair_runs.pair_line("hbo - proportional", runs, f"{runs}:proportional", seeds))
    print("mean share of the samples at steps 0-500 and from step 550:")
    shares(runs, seeds, ("hbo", "proportional"))


if __name__ == "__main__":
    if sys.argv[1:] == ["linear"]:
        linear()
    else:
        looks()
