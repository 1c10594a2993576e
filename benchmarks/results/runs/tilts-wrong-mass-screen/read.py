"""RULE.md's reading: hbo with `sampling.reward_ema_of=tilts` (each update's scores divided by their
largest before the EMA, so a lead not renewed fades back to the prior) against hbo's default, every
run on one processor (Intel Xeon, model 167). Run from the repository root:

    python benchmarks/results/runs/tilts-wrong-mass-screen/read.py screen 0 1 2 3   # stage 1 (read-0-3.txt)
    python benchmarks/results/runs/tilts-wrong-mass-screen/read.py check-newtask    # the check (read-check-newtask.txt)

`screen`: each development mixture and the four pooled against the default's stored runs, how `sort`
climbs on `dev` and where its shares settled (from step 550) under both, and where the other three
mixtures' shares settled. `check-newtask`: the arm against the stored default, proportional and hbo's mean time course
replayed with the probe carved out, and where the shares settled."""
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

R = "benchmarks/results/runs"
HERE = f"{R}/tilts-wrong-mass-screen"
DEFAULT = f"{R}/wrong-mass-screen"


def settled(seeds: list[int]) -> list[str]:
    lines = []
    for mixture in pair_runs.DEV_MIXTURES[1:]:  # dev's are in screen_report's lines
        for label, root in (("tilts", HERE), ("default", DEFAULT)):
            lines.append(pair_runs.shares_line(f"{mixture}, {label}", pair_runs.screen_folders(root, mixture, seeds), seeds))
    return lines


def check_newtask() -> None:
    mine, stored = f"{HERE}/check-newtask", f"{R}/check-newtask/runs"
    others = (("hbo (the default)", stored), ("proportional", f"{stored}:proportional"),
              ("hbo-phases-carved", pair_runs.oracle_arm(f"{R}/room-on-check-newtask/runs", "hbo-phases-carved")))
    print("\n".join(pair_runs.check_newtask_report("tilts", mine, stored, others, early="evens")))


if __name__ == "__main__":
    if sys.argv[1:2] == ["screen"]:
        seeds = [int(s) for s in sys.argv[2:]] or [0, 1, 2, 3]
        print("\n".join(pair_runs.screen_report(HERE, DEFAULT, "reward_ema_of tilts", "tilts", seeds) + settled(seeds)))
    elif sys.argv[1:] == ["check-newtask"]:
        check_newtask()
    else:
        raise SystemExit(__doc__)
