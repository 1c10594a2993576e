"""RULE.md's reading. Run from the repository root:
python benchmarks/results/runs/new-default-where-it-wins/read.py

1. The default (wrong_mass, absolute) against proportional on the four development mixtures, seeds
   0-3 and 18-29, every run on one processor (Intel Xeon, model 167). The default's runs are
   wrong-mass-screen/{M,fresh-M}; proportional's are deck-screen/plain-M (seeds 0-3 of dev and
   dev-pretrained) and this folder's plain-M.
2. The default against hbo-paper on hard and clean, seeds 0-9. hbo-paper's seeds 0-2 are the
   committed table's files, which predate the processor field (its seed 0, rerun on this processor,
   gave the same answers on every question), so those three pairs are read without the machine
   check; seeds 3-9 are checked."""
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

R = "benchmarks/results/runs"
HERE = f"{R}/new-default-where-it-wins"
DEV = ("dev", "dev-clean", "dev-pretrained", "dev-tiebreak")
SEEDS = [0, 1, 2, 3] + list(range(18, 30))


def plain(mixture: str) -> str:
    older = f"{R}/deck-screen/plain-{mixture}," if mixture in ("dev", "dev-pretrained") else ""
    return f"{older}{HERE}/plain-{mixture}:proportional"


arms = {m: pair_runs.read_arms(f"{R}/wrong-mass-screen/{m},{R}/wrong-mass-screen/fresh-{m}", plain(m), SEEDS)
        for m in DEV}
print("hbo (the default) - proportional, seeds 0-3 and 18-29:")
print("\n".join(pair_runs.second_look(arms, (95.0,))))
print("the default's mean share of the samples from step 550 (proportional's prior in brackets):")
for m in DEV:
    shares = pair_runs.late_shares(f"{R}/wrong-mass-screen/{m},{R}/wrong-mass-screen/fresh-{m}", SEEDS, 550)
    prior = pair_runs.late_shares(f"{HERE}/plain-{m}", SEEDS[4:], 550, name="proportional")
    print(f"{m}: " + ", ".join(f"{d} {v:.2f} ({prior[d]:.2f})" for d, v in shares.items()))

paper = {}
for m in ("hard", "clean"):
    # the default's runs of seeds 0-2 left the committed table's folder when the default changed again
    old = pair_runs.read_arms(f"{R}/actor-draw-default-{m}-1000", f"{R}/{m}-1000:hbo-paper", [0, 1, 2],
                              any_machine=True)
    new = pair_runs.read_arms(f"{R}/wrong-mass-screen/{m},{R}/new-default-reports/runs/{m}-1000",
                              f"{HERE}/reports/runs/{m}-1000:hbo-paper", list(range(3, 10)))
    paper[m] = (old[0] + new[0], old[1] + new[1])
print("hbo (the default) - hbo-paper, seeds 0-9:")
print("\n".join(pair_runs.second_look(paper, (95.0,))))
