"""RULE.md's reading: fixed mixtures on `check-newtask` between proportional's shares and hbo's,
against proportional and hbo's default, seeds 0-5, every run on one processor (Intel Xeon, model 167).
Run from the repository root: python benchmarks/results/runs/room-on-check-newtask/read.py (RULE-phases.md
added the hbo-phases lines)

First a check: the proportional runs made here beside the oracles must give the stored proportional
runs' answers (check-newtask/runs) on every question, since hbo's default is read from its stored
runs there."""
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

R = "benchmarks/results/runs"
HERE = f"{R}/room-on-check-newtask/runs"
SEEDS = list(range(6))
STORED = f"{R}/check-newtask/runs"
PROP = f"{HERE}:proportional"

pair_runs.check_same_answers(PROP, f"{STORED}:proportional", SEEDS, "the pairing with hbo's stored runs is dropped (RULE.md)")
SHARES, HALFWAY, PHASES = (pair_runs.oracle_arm(HERE, name) for name in ("hbo-shares", "halfway", "hbo-phases"))
pairs = {
    "hbo-shares - proportional": (SHARES, PROP),
    "halfway - proportional": (HALFWAY, PROP),
    "hbo (the default, stored) - proportional": (STORED, PROP),
    "halfway - hbo (the default)": (HALFWAY, STORED),
    "hbo-shares - hbo (the default)": (SHARES, STORED),
    "halfway - hbo-shares": (HALFWAY, SHARES),
    # RULE-phases.md: hbo's mean time course replayed as a fixed schedule
    "hbo-phases - proportional": (PHASES, PROP),
    "hbo-phases - hbo-shares": (PHASES, SHARES),
    "hbo (the default) - hbo-phases": (STORED, PHASES),
}
print(f"seeds {SEEDS[0]}-{SEEDS[-1]}, 400 questions per dataset, paired 95% bootstrap interval:")
for label, (first, second) in pairs.items():
    print(pair_runs.pair_line(label, first, second, SEEDS))
