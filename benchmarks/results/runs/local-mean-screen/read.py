"""RULE.md's reading: hbo with `sampling.local_draw=average` (each dataset's levels drawn from the mean
of its local actor's distributions so far) against today's default, every run on one processor (Intel
Xeon, model 207). Run from the repository root:

    python benchmarks/results/runs/local-mean-screen/read.py 0 1 2 3              # stage 1 (read-0-3.txt)
    python benchmarks/results/runs/local-mean-screen/read.py 18 19 20 21 22 23    # stage 2 (read-fresh.txt)

Each development mixture and the four pooled against the default's runs of the same seeds
(`../average-draw-screen/M`, `fresh-M`), then where each arm's levels were drawn from over the run."""
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

R = "benchmarks/results/runs"
HERE = f"{R}/local-mean-screen"


def folder(root: str, mixture: str, seeds: list[int]) -> str:
    """``root``'s runs of ``mixture``: seeds 0-17 in ``M``, the fresh ones from 18 on in ``fresh-M``."""
    fresh = min(seeds) >= 18
    return f"{root}/fresh-{mixture}" if fresh else f"{root}/{mixture}"


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
    arms = {m: pair_runs.read_arms(folder(HERE, m, seeds), folder(f"{R}/average-draw-screen", m, seeds), seeds)
            for m in pair_runs.DEV_MIXTURES}
    print(f"local_draw average - hbo's default, seeds {seeds}, paired bootstrap interval:")
    print("\n".join(pair_runs.second_look(arms, levels=(95.0,))))
    print("the largest level share drawn, mean over updates and seeds (0.25 = uniform):")
    for m in pair_runs.DEV_MIXTURES:
        for label, root in (("local mean", HERE), ("default", f"{R}/average-draw-screen")):
            print(f"  {m}, {label}: " + ", ".join(level_shares(folder(root, m, seeds), seeds)))


if __name__ == "__main__":
    main([int(s) for s in sys.argv[1:]] or [0, 1, 2, 3])
