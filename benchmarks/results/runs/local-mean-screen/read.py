"""RULE.md's reading: hbo with `sampling.local_draw=average` (each dataset's levels drawn from the mean
of its local actor's distributions so far) against today's default, every run on one processor (Intel
Xeon, model 207). Run from the repository root:

    python benchmarks/results/runs/local-mean-screen/read.py 0 1 2 3              # stage 1 (read-0-3.txt)
    python benchmarks/results/runs/local-mean-screen/read.py 18 19 20 21 22 23    # stage 2 (read-fresh.txt)

Each development mixture and the four pooled against the default's runs of the same seeds
(`../average-draw-screen/M`, `fresh-M`; `pair_runs.screen_report`, which adds how each moved samples
to `sort` on `dev`), then where each arm's levels were drawn from over the run."""
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

R = "benchmarks/results/runs"
HERE = f"{R}/local-mean-screen"


def level_shares(path: str, seeds: list[int]) -> list[str]:
    """Each dataset's level distribution averaged over every logged update and over ``seeds``: how far
    the levels drawn leaned from uniform (the largest level share of each dataset)."""
    sums: dict[str, list[float]] = {}
    for seed in seeds:
        records = pair_runs.probability_records(path, seed)
        for record in records:
            for name, levels in record["local"].items():
                row = list(levels.values())
                acc = sums.setdefault(name, [0.0] * len(row))
                for k, v in enumerate(row):
                    acc[k] += v / (len(records) * len(seeds))
    return [f"{name} {max(row):.2f}" for name, row in sums.items()]


def main(seeds: list[int]) -> None:
    default = f"{R}/average-draw-screen"
    print("\n".join(pair_runs.screen_report(HERE, default, "local_draw average", "local mean", seeds)))
    print("the largest level share drawn, mean over updates and seeds (0.25 = uniform):")
    for m in pair_runs.DEV_MIXTURES:
        for label, root in (("local mean", HERE), ("default", default)):
            print(f"  {m}, {label}: " + ", ".join(level_shares(pair_runs.screen_folders(root, m, seeds), seeds)))


if __name__ == "__main__":
    main([int(s) for s in sys.argv[1:]] or [0, 1, 2, 3])
