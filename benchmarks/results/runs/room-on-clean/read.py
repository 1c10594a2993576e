"""RULE.md's reading: fixed mixtures on `clean` between proportional's shares and hbo's, against
proportional, seeds 0-5, every run on one processor (Intel Xeon, model 167). Run from the repository
root: python benchmarks/results/runs/room-on-clean/read.py (RULE-phases.md added the hbo-phases lines)

First a check: the proportional runs made here beside the oracles must give the stored proportional
runs' answers on every question (deck-screen/plain-clean for seeds 0-3, new-default-reports for 4-5),
since hbo's default is read from its stored runs (wrong-mass-screen/clean, new-default-reports)."""
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

R = "benchmarks/results/runs"
HERE = f"{R}/room-on-clean/runs"
SEEDS = list(range(6))
STORED_PROP = f"{R}/deck-screen/plain-clean,{R}/new-default-reports/runs/clean-1000:proportional"
STORED_HBO = f"{R}/wrong-mass-screen/clean,{R}/new-default-reports/runs/clean-1000"

pair_runs.check_same_answers(f"{HERE}:proportional", STORED_PROP, SEEDS, "the pairing with hbo's stored runs is dropped (RULE.md)")
SHARES, HALFWAY, PHASES = (pair_runs.oracle_arm(HERE, name) for name in ("hbo-shares", "halfway", "hbo-phases"))
PROP = f"{HERE}:proportional"
pairs = {
    "hbo-shares - proportional": (SHARES, PROP),
    "halfway - proportional": (HALFWAY, PROP),
    "hbo (the default, stored) - proportional": (STORED_HBO, PROP),
    "hbo-shares - hbo (the default)": (SHARES, STORED_HBO),
    # RULE-phases.md: hbo's mean time course replayed as a fixed schedule
    "hbo-phases - proportional": (PHASES, PROP),
    "hbo-phases - hbo-shares": (PHASES, SHARES),
    "hbo (the default) - hbo-phases": (STORED_HBO, PHASES),
}
print(f"seeds {SEEDS[0]}-{SEEDS[-1]}, 400 questions per dataset, paired 95% bootstrap interval:")
for label, (first, second) in pairs.items():
    print(pair_runs.pair_line(label, first, second, SEEDS))
