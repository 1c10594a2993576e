"""RULE.md's reading: hbo with `sampling.update_interval=25` against today's default (S = 50), every
run on one processor (Intel Xeon, model 207). Run from the repository root:

    python benchmarks/results/runs/interval-25-screen/read.py 0 1 2 3          # stage 1 (read-0-3.txt)
    python benchmarks/results/runs/interval-25-screen/read.py 18 19 20 21 22 23  # stage 2 (read-fresh.txt)

First the reproduction check (the default rerun here on `dev` seed 0 against its stored run), then
each development mixture and the four pooled against the default's runs in `../average-draw-screen`
(`pair_runs.screen_report`), with how fast and how far each moved samples to `sort` on `dev`, and
stage 1's stopping rule applied."""
import re
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

R = "benchmarks/results/runs"
HERE = f"{R}/interval-25-screen"
DEFAULT = f"{R}/average-draw-screen"


def main(argv: list[str]) -> None:
    seeds = [int(s) for s in argv] or [0, 1, 2, 3]
    pair_runs.check_same_answers(f"{HERE}/default-dev", f"{DEFAULT}/dev", [0],
                                 "the default does not reproduce here: rerun it on every seed (RULE.md)")
    lines = pair_runs.screen_report(HERE, DEFAULT, "update_interval 25", "S=25", seeds)
    print("\n".join(lines))
    if seeds == [0, 1, 2, 3]:
        per_mixture = [float(re.search(r": ([+-][\d.]+) \[", line).group(1)) for line in lines[1:5]]
        pooled = float(re.search(r": ([+-][\d.]+) \[", lines[5]).group(1))
        stopped = pooled < 0 or min(per_mixture) < -1.0
        print(f"stage 1: pooled {pooled:+.3f}, lowest mixture {min(per_mixture):+.2f}: "
              + ("stopped (pooled below 0 or a mixture below -1.0)" if stopped else "passes to stage 2"))


if __name__ == "__main__":
    main(sys.argv[1:])
