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

arms = {m: pair_runs.read_arms(pair_runs.screen_folders(HERE, m, SEEDS),
                               pair_runs.screen_folders(f"{R}/wrong-mass-screen", m, SEEDS), SEEDS) for m in MIXTURES}
print(f"actor_lr 3e-3 - hbo's default, seeds {SEEDS}, paired bootstrap interval:")
print("\n".join(pair_runs.second_look(arms, levels=(95.0,))))
for label, folder in (("actor_lr 3e-3", pair_runs.screen_folders(HERE, "dev", SEEDS)),
                      ("default", pair_runs.screen_folders(f"{R}/wrong-mass-screen", "dev", SEEDS))):
    print(f"dev, {label}, mean share from step 550: " + pair_runs.format_shares(pair_runs.late_shares(folder, SEEDS, 550)))
