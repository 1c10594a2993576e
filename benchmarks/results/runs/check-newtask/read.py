"""The check's reading (RULE.md, RULE-second-look.md): hbo − proportional and − hbo-paper on
check-newtask, every run on one processor (Intel Xeon, model 167), and where the mixture settled.
Run from the repository root: python benchmarks/results/runs/check-newtask/read.py"""
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

HERE = "benchmarks/results/runs/check-newtask"
FIRST, SECOND = list(range(6)), list(range(6, 12))
BOTH = f"{HERE}/runs,{HERE}/second-look"

looks = (("first look, seeds 0-5", f"{HERE}/runs", FIRST), ("second look, seeds 6-11", f"{HERE}/second-look", SECOND))
for label, folder, seeds in looks:
    arms = {"hbo - proportional": pair_runs.read_arms(folder, f"{folder}:proportional", seeds)}
    print(f"{label}:")
    print("\n".join(pair_runs.second_look(arms, levels=())))  # one arm: no pooled lines
arms = {"hbo - proportional": pair_runs.read_arms(BOTH, f"{BOTH}:proportional", FIRST + SECOND)}
print("seeds 0-11 (the second look decides at 97.5%):")
print("\n".join(pair_runs.second_look(arms, (95.0, 97.5))))
for label, seeds in (("seeds 0-5", FIRST), ("seeds 6-11 (the addendum's runs)", SECOND), ("seeds 0-11", FIRST + SECOND)):
    arms = {"hbo - hbo-paper": pair_runs.read_arms(BOTH, f"{BOTH}:hbo-paper", seeds)}
    print(f"{label}:")
    print("\n".join(pair_runs.second_look(arms, levels=())))  # one arm: no pooled lines
print("mean share of the samples from step 550 (seeds 0-11):")
for name, folder, seeds in (("hbo", BOTH, FIRST + SECOND), ("proportional", BOTH, FIRST + SECOND),
                            ("hbo-paper", BOTH, FIRST + SECOND)):
    print(f"{name}: " + pair_runs.format_shares(pair_runs.late_shares(folder, seeds, 550, name=name)))
