"""What the products in contributions-dev-seed*.jsonl show (written by dump-contributions.patch: one
line per update, the falls past the noise band, the products c[d][j] = p_d <g_d, h_j> and p). Run from
the repository root: python benchmarks/results/runs/attributed-second-look/products.py"""
import glob
import json
import re
import statistics

HERE = "benchmarks/results/runs/attributed-second-look"
NAMES = ["reverse-de", "reverse-fr", "add-plus", "add", "sub", "sort"]  # the `dev` mixture, in order
SORT = NAMES.index("sort")

for path in sorted(glob.glob(f"{HERE}/contributions-dev-seed*.jsonl")):
    seed = re.search(r"seed(\d+)", path).group(1)
    rows = [json.loads(line) for line in open(path)]
    own = [r["c"][SORT][SORT] for r in rows]
    late = own[3:]  # from the update at step 200 on
    elsewhere, to = 0, {}
    falls = 0
    for r in rows:
        if r["falls"][SORT] <= 0:
            continue
        falls += 1
        positive = [max(0.0, r["c"][d][SORT]) for d in range(len(NAMES))]
        total = sum(positive)
        if total > 0 and positive[SORT] / total < 0.5:
            elsewhere += 1
            top = max(range(len(NAMES)), key=positive.__getitem__)
            to[NAMES[top]] = to.get(NAMES[top], 0) + 1
    size = {NAMES[d]: statistics.mean(abs(r["c"][d][j]) for r in rows[3:] for j in range(len(NAMES)) if j != d)
            for d in range(len(NAMES))}
    print(f"seed {seed}: sort's own product at steps 50-150 " + ", ".join(f"{v:+.2f}" for v in own[:3])
          + f"; from step 200 mean {statistics.mean(late):+.3f} ({sum(v > 0 for v in late)} of {len(late)} above 0)"
          + f"; sort's falls past the band {falls}, {elsewhere} mostly to others {to}"
          + "; mean |product| with the other probes from step 200: " + ", ".join(f"{k} {v:.3f}" for k, v in size.items()))
