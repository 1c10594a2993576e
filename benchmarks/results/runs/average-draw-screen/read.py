"""RULE.md's reading: hbo with `sampling.global_draw=average` (datasets drawn from the mean of the
global actor's distributions so far) against the default it replaced (`global_draw: actor`), every
run on one processor (Intel Xeon, model 207). Run from the repository root:

    python benchmarks/results/runs/average-draw-screen/read.py screen 0 1 2 3       # stage 1 (read-0-3.txt)
    python benchmarks/results/runs/average-draw-screen/read.py screen 18 ... 23     # stage 2 (read-fresh.txt)
    python benchmarks/results/runs/average-draw-screen/read.py screen 0 ... 3 18 ... 23   # both (read-all.txt)
    python benchmarks/results/runs/average-draw-screen/read.py checks               # the checks (read-checks.txt)
    python benchmarks/results/runs/average-draw-screen/read.py reports              # hard and clean (read-reports.txt)
    python benchmarks/results/runs/average-draw-screen/read.py reports 0 1 2 3 4 5  # with seeds 4-5 (read-reports-0-5.txt)
    python benchmarks/results/runs/average-draw-screen/read.py reports 0 ... 11     # with seeds 6-11 (read-reports-0-11.txt)
    python benchmarks/results/runs/average-draw-screen/read.py dev-baselines        # read-dev-baselines.txt

`screen`: each development mixture and the four pooled against the default rerun on this processor
(`default-M`, `fresh-default-M`; RULE.md's addendum), and how
`sort` climbs on `dev` and where the drawn shares settled (from step 550) under both, then the other
three mixtures' settled shares. `checks`: the arm on `check-manynew` and `check-newtask`, seeds 0-5,
against the default and proportional rerun here (`default-CHECK`), with the drawn shares there.
`reports`: the same on `hard` and `clean`, seeds 0-3 (RULE.md's second addendum), and from seeds
0-11 on (the fourth) each arm against `hbo-paper` too (`paper-MIXTURE`). `dev-baselines`: both arms
against proportional and `hbo-paper` on the development mixtures, whose runs are model 167's."""
import sys
from pathlib import Path

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

R = "benchmarks/results/runs"
HERE = f"{R}/average-draw-screen"
CHECKS = ("check-manynew", "check-newtask")


def folder(arm: str, mixture: str, seeds: list[int]) -> str:
    """The runs of ``arm`` ("average" or "default") on ``mixture`` for ``seeds``: seeds 0-17 in
    ``[default-]MIXTURE``, the fresh ones from 18 on in ``fresh-[default-]MIXTURE``."""
    return pair_runs.screen_folders(HERE, mixture if arm == "average" else f"default-{mixture}", seeds)


def screen(seeds: list[int]) -> list[str]:
    arms = {m: pair_runs.read_arms(folder("average", m, seeds), folder("default", m, seeds), seeds)
            for m in pair_runs.DEV_MIXTURES}
    lines = [f"global_draw average - hbo's default, seeds {seeds}, paired bootstrap interval:",
             *pair_runs.second_look(arms, levels=(95.0,))]
    for arm in ("average", "default"):
        lines.append(pair_runs.shares_line(f"dev, {arm}", folder(arm, "dev", seeds), seeds, early="sort"))
    for mixture in pair_runs.DEV_MIXTURES[1:]:
        for arm in ("average", "default"):
            lines.append(pair_runs.shares_line(f"{mixture}, {arm}", folder(arm, mixture, seeds), seeds))
    return lines


def checks(mixtures=CHECKS, seeds=tuple(range(6))) -> list[str]:
    seeds, lines = list(seeds), []
    for check in mixtures:
        mine, stored = f"{HERE}/{check}", f"{HERE}/default-{check}"
        lines.append(f"{check}, seeds {seeds[0]}-{seeds[-1]}, 400 questions per dataset, paired 95% bootstrap interval:")
        lines += [pair_runs.pair_line(f"average - {label}", mine, spec, seeds)
                  for label, spec in (("hbo (the default)", stored), ("proportional", f"{stored}:proportional"))]
        lines.append(pair_runs.pair_line("hbo (the default) - proportional", stored, f"{stored}:proportional", seeds))
        paper = f"{HERE}/paper-{check}:hbo-paper"
        if Path(paper.partition(":")[0]).is_dir():  # hard and clean from seeds 0-11 on (the fourth addendum)
            lines += [pair_runs.pair_line(f"{label} - hbo-paper", spec, paper, seeds) for label, spec in
                      (("average", mine), ("hbo (the default)", stored), ("proportional", f"{stored}:proportional"))]
        lines += [pair_runs.shares_line(f"{check}, {label}", path, seeds) for label, path in
                  (("average", mine), ("default", stored))]
    return lines


def dev_baselines() -> list[str]:
    """The arm and the draws it replaced against proportional and `hbo-paper` on the four development
    mixtures. Those baselines ran only on model 167 (`new-default-where-it-wins/plain-M`, `paper-M`;
    `deck-screen/plain-M` for seeds 0-3 of `dev` and `dev-pretrained`), so they are read without the
    machine check: every unpatched run of one config made on both processors answered every question
    the same (`../all-strategies-207/processors.txt`: 124 of 124, and 127 of 127 when this was written)."""
    where = f"{R}/new-default-where-it-wins"
    seeds, fresh = [0, 1, 2, 3, *range(18, 24)], list(range(18, 24))

    def proportional(m: str) -> str:
        older = f"{R}/deck-screen/plain-{m}," if m in ("dev", "dev-pretrained") else ""
        return f"{older}{where}/plain-{m}:proportional"

    lines = []
    for arm in ("average", "default"):
        for label, baseline, on in (("proportional", proportional, seeds),
                                    ("hbo-paper", lambda m: f"{where}/paper-{m}:hbo-paper", fresh)):
            arms = {m: pair_runs.read_arms(folder(arm, m, on), baseline(m), on, any_machine=True)
                    for m in pair_runs.DEV_MIXTURES}
            name = "average" if arm == "average" else "hbo (the draws replaced, actor)"
            lines += [f"{name} - {label}, seeds {on}, paired bootstrap interval:",
                      *pair_runs.second_look(arms, levels=(95.0,))]
    return lines


if __name__ == "__main__":
    if sys.argv[1:2] == ["screen"]:
        seeds = [int(s) for s in sys.argv[2:]] or [0, 1, 2, 3]
        print("\n".join(screen(seeds)))
    elif sys.argv[1:] == ["checks"]:
        print("\n".join(checks()))
    elif sys.argv[1:2] == ["reports"]:  # seeds 0-3 (read-reports.txt) or as given (0-5: read-reports-0-5.txt)
        print("(\"hbo (the default)\" below is the default these runs were made against, which drew from the actor "
              "as it stands: sampling.global_draw=actor)")
        print("\n".join(checks(("hard", "clean"), [int(s) for s in sys.argv[2:]] or range(4))))
    elif sys.argv[1:] == ["dev-baselines"]:  # read-dev-baselines.txt
        print("\n".join(dev_baselines()))
    else:
        raise SystemExit(__doc__)
