"""Mean global share of each dataset over the second half of the fresh runs (steps 550-1000, seeds
18-29), `attributed` against the default, on `dev` and `dev-clean`. Run from the repository root:
python benchmarks/results/runs/attributed-second-look/shares.py"""
import glob
import json
import statistics

R = "benchmarks/results/runs"
for m in ("dev", "dev-clean"):
    for arm, folder in (("attributed", f"{R}/attributed-second-look/candidate-{m}"),
                        ("default", f"{R}/wrong-tokens-evidence-fresh/default-{m}")):
        means: dict[str, list[float]] = {}
        for seed in range(18, 30):
            (path,) = glob.glob(f"{folder}/runs/*/hbo-{seed}-probabilities.jsonl")
            late = [r for r in map(json.loads, open(path)) if r["step"] >= 550]
            for name in late[0]["global"]:
                means.setdefault(name, []).append(statistics.fmean(r["global"][name] for r in late))
        print(f"{m}, {arm}: " + ", ".join(f"{k} {statistics.fmean(v):.2f}" for k, v in means.items()))
