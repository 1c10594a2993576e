"""How much the first update decides on the benchmark mixtures (beside the unlearnable check's 23 of 24):
read from the stored 1000-step runs of today's default (average-draw-screen, this processor), per
mixture: the share of datasets' scores that clear the noise band (nonzero) at the first update, the
2nd-5th and the 6th-20th, and on how many runs the dataset with the first update's largest score is the
one whose drawn share at the end is the largest multiple of its prior. Chooses nothing.
Run from the repository root: python benchmarks/results/runs/unlearnable-300/first-update.py"""
import glob
import json

BASE = "benchmarks/results/runs/average-draw-screen"
MIXTURES = {"dev": ["dev", "fresh-dev"], "dev-clean": ["dev-clean", "fresh-dev-clean"],
            "dev-pretrained": ["dev-pretrained", "fresh-dev-pretrained"],
            "dev-tiebreak": ["dev-tiebreak", "fresh-dev-tiebreak"], "hard": ["hard"], "clean": ["clean"],
            "check-newtask": ["check-newtask"], "check-manynew": ["check-manynew"]}

for mixture, folders in MIXTURES.items():
    files = sorted(f for folder in folders
                   for f in glob.glob(f"{BASE}/{folder}/runs/{mixture}-1000/hbo-*-probabilities.jsonl"))
    cleared: dict[str, list[int]] = {}
    agree = 0
    for path in files:
        records = [json.loads(line) for line in open(path)]
        updates = [r for r in records[1:] if r.get("global_score")]
        for k, record in enumerate(updates):
            window = "1st" if k == 0 else "2nd-5th" if k < 5 else "6th-20th"
            counts = cleared.setdefault(window, [0, 0])
            counts[0] += sum(1 for v in record["global_score"].values() if v and v == v)
            counts[1] += len(record["global_score"])
        first = updates[0]["global_score"]
        prior, end = records[0]["global"], records[-1]["global"]
        raised = {d: end[d] / prior[d] for d in prior}
        agree += max(first, key=first.get) == max(raised, key=raised.get)
    datasets = len(records[0]["global"])
    print(f"{mixture:15s} {len(files):2d} runs, {datasets} datasets; scores clear of the noise: "
          + ", ".join(f"{window} {c[0] / c[1]:.2f}" for window, c in cleared.items())
          + f"; the first update's leader is the most raised at the end on {agree} of {len(files)}")
