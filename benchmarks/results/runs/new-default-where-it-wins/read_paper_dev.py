"""RULE-paper-dev.md's reading: the default against hbo-paper, and hbo-paper against proportional, on
seeds 18-29 of the four development mixtures, one processor (Intel Xeon, model 167). Run from the repository
root: python benchmarks/results/runs/new-default-where-it-wins/read_paper_dev.py"""
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

R = "benchmarks/results/runs"
HERE = f"{R}/new-default-where-it-wins"
SEEDS = list(range(18, 30))
MIXTURES = ("dev", "dev-clean", "dev-pretrained", "dev-tiebreak")
pairs = {
    "hbo (the default) - hbo-paper": lambda m: (f"{R}/wrong-mass-screen/fresh-{m}", f"{HERE}/paper-{m}:hbo-paper"),
    "hbo-paper - proportional": lambda m: (f"{HERE}/paper-{m}:hbo-paper", f"{HERE}/plain-{m}:proportional"),
}
for label, spec in pairs.items():
    arms = {m: pair_runs.read_arms(*spec(m), SEEDS) for m in MIXTURES}
    print(f"{label}, seeds 18-29:")
    print("\n".join(pair_runs.second_look(arms, (95.0,))))
print("hbo-paper's mean share of the samples from step 550:")
for m in MIXTURES:
    shares = pair_runs.late_shares(f"{HERE}/paper-{m}", SEEDS, 550, name="hbo-paper")
    print(f"{m}: " + ", ".join(f"{d} {v:.2f}" for d, v in shares.items()))
