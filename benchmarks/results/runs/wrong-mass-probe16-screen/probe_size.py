"""What the larger probe costs: `wrong_mass` on 16 examples per level against `wrong_mass` on the
default's 4, paired on the same fresh seeds 18-29 of the four development mixtures (both on this
processor), and where each arm's mixture settled (mean shares over the updates from step 550),
beside the default's. Run from the repository root:
python benchmarks/results/runs/wrong-mass-probe16-screen/probe_size.py"""
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

R = "benchmarks/results/runs"
SEEDS = list(range(18, 30))
MIXTURES = ("dev", "dev-clean", "dev-pretrained", "dev-tiebreak")
FOLDERS = {"probe 16": "wrong-mass-probe16-screen/fresh-{}", "probe 4": "wrong-mass-screen/fresh-{}",
           "default": "wrong-tokens-evidence-fresh/default-{}"}
arms = {m: pair_runs.read_arms(f"{R}/{FOLDERS['probe 16'].format(m)}", f"{R}/{FOLDERS['probe 4'].format(m)}", SEEDS)
        for m in MIXTURES}
print("wrong_mass, probe 16 - probe 4, seeds 18-29:")
print("\n".join(pair_runs.second_look(arms, (95.0,))))
print("\nmean share of the samples from step 550:")
for m in MIXTURES:
    for name, folder in FOLDERS.items():
        shares = pair_runs.late_shares(f"{R}/{folder.format(m)}", SEEDS, 550)
        print(f"{m:15} {name:9}", "  ".join(f"{d} {s:.3f}" for d, s in shares.items()))
