"""RULE.md's reading: hbo with `sampling.reward_ema=0.25` (each dataset's score averaged over about
four updates instead of two) against hbo's default, every run on one processor (Intel Xeon, model
167). Run from the repository root:

    python benchmarks/results/runs/ema-screen/read.py screen 0 1 2 3   # stage 1 (read-0-3.txt)
    python benchmarks/results/runs/ema-screen/read.py check-newtask    # RULE-after-stop.md

`screen`: each development mixture and the four pooled against the default's stored runs, and how
`sort` climbs on `dev` (its mean share up to step 500, and from step 550) under both. `check-newtask`:
the arm there (a diagnostic after the stop) against the stored default, proportional and hbo's mean
time course replayed with the probe carved out, and where `evens` settled under the arm and the default."""
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

R = "benchmarks/results/runs"
HERE = f"{R}/ema-screen"


def check_newtask() -> None:
    mine, stored = f"{HERE}/check-newtask", f"{R}/check-newtask/runs"
    others = (("hbo (the default)", stored), ("proportional", f"{stored}:proportional"),
              ("hbo-phases-carved", pair_runs.oracle_arm(f"{R}/room-on-check-newtask/runs", "hbo-phases-carved")))
    print("\n".join(pair_runs.check_newtask_report("ema 0.25", mine, stored, others)))


if __name__ == "__main__":
    if sys.argv[1:2] == ["screen"]:
        seeds = [int(s) for s in sys.argv[2:]] or [0, 1, 2, 3]
        print("\n".join(pair_runs.screen_report(HERE, f"{R}/wrong-mass-screen", "reward_ema 0.25", "ema 0.25", seeds)))
    elif sys.argv[1:] == ["check-newtask"]:
        check_newtask()
    else:
        raise SystemExit(__doc__)
