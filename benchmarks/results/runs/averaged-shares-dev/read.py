"""RULE.md's reading: hbo's mean shares from its runs of seeds 24-29, held fixed with its probe carved out,
against hbo's default and proportional on seeds 18-23 of `dev` and `dev-pretrained`, every run on one
processor (Intel Xeon, model 167). Run from the repository root:
python benchmarks/results/runs/averaged-shares-dev/read.py

First a check: the proportional runs made beside the arm must give the stored proportional runs'
answers on every question, since hbo's default is read from its stored runs."""
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

R = "benchmarks/results/runs"
SEEDS = list(range(18, 24))
arms = {}
for mixture in ("dev", "dev-pretrained"):
    here = f"{R}/averaged-shares-dev/runs/oracle-{mixture}-1000"
    pair_runs.check_same_answers(f"{here}:proportional", f"{R}/new-default-where-it-wins/plain-{mixture}:proportional",
                                 SEEDS, "the pairing with hbo's stored runs is dropped (RULE.md)")
    arm = pair_runs.oracle_arm(here, "averaged-carved")
    arms[mixture] = pair_runs.read_arms(arm, f"{R}/wrong-mass-screen/fresh-{mixture}", SEEDS)
    print(pair_runs.pair_line(f"{mixture}: averaged-carved - proportional", arm, f"{here}:proportional", SEEDS))
print("averaged-carved - hbo's default (stored), 100 questions per dataset:")
print("\n".join(pair_runs.second_look(arms, levels=(95.0,))))
