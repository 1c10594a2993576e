"""RULE.md's reading: hbo with `sampling.actor_lr=3e-3 sampling.actor_lr_decay=0.5` (fast early, slow
late) against hbo's default, every run on one processor (Intel Xeon, model 167). Run from the
repository root:

    python benchmarks/results/runs/actor-decay-screen/read.py screen 0 1 2 3   # stage 1 (read-0-3.txt)
    python benchmarks/results/runs/actor-decay-screen/read.py check-newtask    # RULE-after-stop.md

`screen`: each development mixture and the four pooled against the default's stored runs, and how
`sort` climbs on `dev` (its mean share up to step 500, and from step 550) under both. `check-newtask`:
the arm there (a diagnostic after the stop) against the stored default, proportional, `hbo-paper` and
the two oracles of `room-on-check-newtask`, and how `evens` climbs under the arm and the default."""
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

R = "benchmarks/results/runs"
HERE = f"{R}/actor-decay-screen"


def check_newtask() -> None:
    mine, stored = f"{HERE}/check-newtask", f"{R}/check-newtask/runs"
    room = f"{R}/room-on-check-newtask/runs"
    others = (("hbo (the default)", stored), ("proportional", f"{stored}:proportional"),
              ("hbo-paper", f"{stored}:hbo-paper"), ("hbo-phases", pair_runs.oracle_arm(room, "hbo-phases")),
              ("hbo-shares", pair_runs.oracle_arm(room, "hbo-shares")))
    print("\n".join(pair_runs.check_newtask_report("decay", mine, stored, others, early="evens")))


if __name__ == "__main__":
    if sys.argv[1:2] == ["screen"]:
        seeds = [int(s) for s in sys.argv[2:]] or [0, 1, 2, 3]
        print("\n".join(pair_runs.screen_report(HERE, f"{R}/wrong-mass-screen", "actor_lr 3e-3 / sqrt(k)", "decay", seeds)))
    elif sys.argv[1:] == ["check-newtask"]:
        check_newtask()
    else:
        raise SystemExit(__doc__)
