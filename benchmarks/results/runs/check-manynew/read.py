"""The check's reading (RULE.md): hbo − proportional and − hbo-paper on check-manynew, where four of
five datasets hold a task the model has not learnt, every run on one processor (Intel Xeon, model 167),
and where each strategy's mixture settled. Run from the repository root:
python benchmarks/results/runs/check-manynew/read.py"""
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

RUNS = "benchmarks/results/runs/check-manynew/runs"
SEEDS = list(range(6))

print(f"check-manynew, seeds {SEEDS}, 400 questions per dataset, paired 95% bootstrap interval:")
for other in ("proportional", "hbo-paper"):
    print(pair_runs.pair_line(f"hbo - {other}", RUNS, f"{RUNS}:{other}", SEEDS))
print("mean share of the samples at steps 0-500 and from step 550:")
for name in ("hbo", "proportional", "hbo-paper"):
    early = {d: pair_runs.share_between(RUNS, SEEDS, d, 0, 500, name=name)
             for d in pair_runs.probability_records(RUNS, 0, name)[0]["global"]}
    print(f"{name}, steps 0-500: {pair_runs.format_shares(early)}; from step 550: "
          + pair_runs.format_shares(pair_runs.late_shares(RUNS, SEEDS, 550, name=name)))
