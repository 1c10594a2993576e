"""RULE-more-seeds.md's reading: `hbo-shares` (hbo's mean shares on `check-newtask`, held fixed) against
proportional and hbo's default on seeds 6-11 and 0-11, every run on one processor (Intel Xeon, model
167). Run from the repository root:
python benchmarks/results/runs/room-on-check-newtask/read_more_seeds.py

First a check: the proportional runs made beside the oracle on seeds 6-11 must give the stored
proportional runs' answers (check-newtask/second-look) on every question, since hbo's default is
read from its stored runs there."""
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

R = "benchmarks/results/runs"
HERE = f"{R}/room-on-check-newtask/runs"
STORED = f"{R}/check-newtask/runs,{R}/check-newtask/second-look"
PROP = f"{HERE}:proportional"

fresh = list(range(6, 12))
pair_runs.check_same_answers(PROP, f"{STORED}:proportional", fresh,
                             "the pairing with hbo's stored runs is dropped (RULE-more-seeds.md)")
SHARES = pair_runs.oracle_arm(HERE, "hbo-shares")
for seeds in (fresh, list(range(12))):
    print(f"seeds {seeds[0]}-{seeds[-1]}, 400 questions per dataset, paired 95% bootstrap interval:")
    for label, other in (("proportional", PROP), ("hbo (the default, stored)", STORED)):
        print(pair_runs.pair_line(f"hbo-shares - {label}", SHARES, other, seeds))
