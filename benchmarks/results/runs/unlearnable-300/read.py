"""The unlearnable check at the library's interval (RULE.md): each arm's end shares over seeds 0-23, the
mean with a 95% bootstrap interval over seeds, how many end above the start, and what the rule says.
Run from anywhere: python benchmarks/results/runs/unlearnable-300/read.py"""
import json
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))  # benchmarks/
from unlearnable import mean_interval  # noqa: E402

SEEDS = range(24)


def arm(name: str) -> dict[int, list[float]]:
    runs = {}
    for half in ("even", "odd"):
        for path in sorted((HERE / f"{name}-{half}").glob("seed-*.json")):
            record = json.loads(path.read_text())
            runs[record["seed"]] = record["shares"]
    return runs


counts = {}
for name, label in (("default", "today's default"), ("paper", "the paper's gradient norm (preset=paper, actor lr 1e-3)")):
    runs = arm(name)
    missing = [s for s in SEEDS if s not in runs]
    ends = [runs[s][-1] for s in SEEDS if s in runs]
    if not ends:
        print(f"{label}: no runs yet")
        continue
    above = sum(runs[s][-1] > runs[s][0] for s in SEEDS if s in runs)
    low, high = mean_interval(ends)
    counts[name] = (above, len(ends))
    print(f"{label}: {len(ends)} seeds{' (missing ' + str(missing) + ')' if missing else ''}; end shares "
          + " ".join(f"{e:.2f}" for e in ends)
          + f"\n  mean {statistics.mean(ends):.3f} [{low:.3f}, {high:.3f}]; above its start on {above} of {len(ends)}; "
          f"seed 0 {runs[0][-1]:.2f}" if 0 in runs else "")
if counts.get("default", (0, 0))[1] == 24 and counts.get("paper", (0, 0))[1] == 24:
    default_below = 24 - counts["default"][0]
    moves = default_below >= 21 and counts["paper"][0] >= 21
    print(f"rule: default below its start on {default_below} of 24 (needs 21), gradient norm above on "
          f"{counts['paper'][0]} of 24 (needs 21): " + ("the test moves to the library's interval" if moves
                                                          else "nothing changes but the record"))
else:
    print("rule: not all 48 runs are in yet")

# Paired over seeds: the default's end share minus the gradient norm's.
default, paper = arm("default"), arm("paper")
paired = [default[s][-1] - paper[s][-1] for s in SEEDS if s in default and s in paper]
if paired:
    low, high = mean_interval(paired)
    print(f"default - gradient norm, paired over {len(paired)} seeds: {statistics.mean(paired):+.3f} [{low:+.3f}, {high:+.3f}]")

# Where the default's side is decided: the dataset whose score leads at the first update (step 50), against
# the side of the start the noisy share ends on; and the probes' wrong mass on the base model.
agree, noisy_first, gaps = 0, [], {"noisy": [], "clean": []}
for seed in SEEDS:
    if seed not in default:
        continue
    half = "even" if seed % 2 == 0 else "odd"
    records = [json.loads(line) for line in (HERE / f"default-{half}" / f"seed-{seed}" / "probabilities.jsonl")
               .read_text().splitlines()]
    score = records[1]["global_score"]
    first = "noisy" if score["noisy"] > score["clean"] else "clean"
    noisy_first += [seed] if first == "noisy" else []
    agree += (first == "noisy") == (records[-1]["global"]["noisy"] > records[0]["global"]["noisy"])
    base = records[0]["probe_wrong_mass"]
    gaps[first].append(base["noisy"] - base["clean"])
print(f"the default: the noisy copy's score leads at the first update on {len(noisy_first)} of {len(default)} seeds "
      f"({noisy_first}); that lead's side is the side the share ends on in {agree} of {len(default)}")
print("the base model's wrong mass, noisy probe minus clean probe: "
      + ", ".join(f"{len(v)} seeds where the {k} copy led first, mean {statistics.mean(v):+.3f}" for k, v in gaps.items() if v))
