"""Step 2 of RULE.md: the arm against the default over the four development mixtures, fresh seeds
18-29, both on this processor (the default's runs in wrong-tokens-evidence-fresh/default-M), each
mixture at 95% and the four pooled; the rule reads the pooled 95% interval's lower end (>= -1.0).
Run from the repository root: python benchmarks/results/runs/wrong-mass-probe16-screen/pool.py"""
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

R = "benchmarks/results/runs"
SEEDS = list(range(18, 30))
MIXTURES = ("dev", "dev-clean", "dev-pretrained", "dev-tiebreak")
arms = {m: pair_runs.read_arms(f"{R}/wrong-mass-probe16-screen/fresh-{m}", f"{R}/wrong-tokens-evidence-fresh/default-{m}",
                               SEEDS) for m in MIXTURES}
print("\n".join(pair_runs.second_look(arms, (95.0,))))
