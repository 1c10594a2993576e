"""RULE.md's reading: hbo with `sampling.actor_lr=3e-3` against hbo's default on the four development
mixtures, every run on one processor (Intel Xeon, model 167); each mixture and the four pooled, then
where `sort` settled on `dev`. Run from the repository root, with the seeds to read:
python benchmarks/results/runs/actor-speed-screen/read.py 0 1 2 3"""
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

R = "benchmarks/results/runs"
HERE = f"{R}/actor-speed-screen"
MIXTURES = ["dev", "dev-clean", "dev-pretrained", "dev-tiebreak"]
SEEDS = [int(s) for s in sys.argv[1:]] or [0, 1, 2, 3]


def folders(root: str, mixture: str) -> str:
    """The folders a mixture's runs of SEEDS lie in: seeds 0-3 in one, the fresh seeds 18-29 in another."""
    parts = []
    if any(s < 18 for s in SEEDS):
        parts.append(f"{root}/{mixture}")
    if any(s >= 18 for s in SEEDS):
        parts.append(f"{root}/fresh-{mixture}")
    return ",".join(parts)


arms = {m: pair_runs.read_arms(folders(HERE, m), folders(f"{R}/wrong-mass-screen", m), SEEDS) for m in MIXTURES}
print(f"actor_lr 3e-3 - hbo's default, seeds {SEEDS}, paired bootstrap interval:")
print("\n".join(pair_runs.second_look(arms, levels=(95.0,))))
for label, folder in (("actor_lr 3e-3", folders(HERE, "dev")), ("default", folders(f"{R}/wrong-mass-screen", "dev"))):
    print(f"dev, {label}, mean share from step 550: " + pair_runs.format_shares(pair_runs.late_shares(folder, SEEDS, 550)))
