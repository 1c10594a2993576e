"""Do two processors give the same answers from the same config? Every stored run file that names
its processor is indexed by (config digest, strategy, seed); for each pair of processors, the runs
made on both with the same digest are counted, and how many of them answered every held-out
question the same (the digest sees the config, not the code: a run made with a throwaway patch can
differ for that reason). Run from the repository root (processors.txt holds its output):

    python benchmarks/results/runs/all-strategies-207/processors.py
"""
import itertools
import json
from collections import defaultdict
from pathlib import Path

runs = defaultdict(dict)  # (digest, name, seed) -> {processor: answers}
for path in Path("benchmarks/results/runs").rglob("*.json"):
    if path.name == "mixture.json":
        continue
    try:
        record = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        continue
    if not isinstance(record, dict) or not {"digest", "exact", "machine", "versions"} <= set(record):
        continue
    key = (record["digest"], record.get("name"), record.get("seed"), json.dumps(record["versions"], sort_keys=True))
    runs[key].setdefault(record["machine"]["cpu"], (record["exact"], path.parent))

pairs = defaultdict(lambda: [0, 0, set()])
for by_processor in runs.values():
    for first, second in itertools.combinations(sorted(by_processor), 2):
        same = by_processor[first][0] == by_processor[second][0]
        pairs[first, second][0] += 1
        pairs[first, second][1] += same
        if not same:
            pairs[first, second][2].add(f"{by_processor[first][1]} | {by_processor[second][1]}")
print("runs of one config digest, strategy, seed and library versions on two processors: how many, and how many "
      "answered every held-out question the same")
for (first, second), (both, same, folders) in sorted(pairs.items()):
    print(f"{first}  |  {second}: {both} runs, {same} with the same answers")
    if len(folders) <= 4:  # few enough to look at: which folders they came from
        print("".join(f"  other answers: {pair}\n" for pair in sorted(folders)), end="")
