"""Write a mixture of N generated datasets (N up to 16) for timing hbo's share of the loop beyond the
built-in mixtures' eight; print the ``data.datasets`` override that names them. The content matters
little to the cost: the probe is 16 examples of every dataset (4 per level) whatever they hold.

    python benchmarks/results/runs/update-breakdown/many_datasets.py FOLDER N
"""
import sys
from pathlib import Path

from hbo.data.builtin import write_jsonl
from hbo.data.synthetic import generate_dataset

# (task, wording), sizes spread 100-800; the last two repeat a task in a second copy of other examples
SPECS = [("reverse", "en", 800), ("reverse", "de", 400), ("reverse", "es", 200), ("reverse", "fr", 300),
         ("reverse", "it", 150), ("reverse", "pt", 120), ("reverse", "nl", 100), ("reverse", "sv", 100),
         ("add", None, 600), ("add", "plus", 300), ("sub", None, 400), ("sort", None, 200),
         ("evens", None, 150), ("max", None, 250), ("reverse", "en", 500), ("add", None, 300)]

folder, count = Path(sys.argv[1]), int(sys.argv[2])
if not 1 <= count <= len(SPECS):
    raise SystemExit(f"N must be 1-{len(SPECS)}")
folder.mkdir(parents=True, exist_ok=True)
entries = []
for index, (task, wording, size) in enumerate(SPECS[:count]):
    name = f"{task}-{wording or 'plain'}-{index}"
    write_jsonl(folder / f"{name}.jsonl", generate_dataset(task, wording, size, seed=3000 + index))
    entries.append(f"{{name: {name}, path: {folder / (name + '.jsonl')}}}")
print("data.datasets=[" + ", ".join(entries) + "]")
