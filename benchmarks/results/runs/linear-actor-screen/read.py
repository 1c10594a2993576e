"""RULE.md's reading: hbo drawing from its global actor as it stands (`sampling.global_draw=actor`)
against today's default (the mean of the actor's distributions), both under linear decay to 0, every
run on one processor (AMD EPYC, family 25, model 17). Run from the repository root:

    python benchmarks/results/runs/linear-actor-screen/read.py screen    # stage 1 (read-screen.txt)
    python benchmarks/results/runs/linear-actor-screen/read.py checks    # stage 2 (read-checks.txt)

`screen` ends with "stage 1: passed" or "stage 1: failed", by RULE.md's bar."""
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

R = "benchmarks/results/runs"
HERE = f"{R}/linear-actor-screen"
SEEDS = [30, 31, 32, 33]
CHECK_SEEDS = list(range(6))
# stage 2's stored arms of this session, under linear decay (every one on this processor)
STORED = {"check-newtask": f"{R}/default-linear/check-newtask", "check-many": f"{R}/check-many/linear"}


def screen() -> None:
    arms = {m: pair_runs.read_arms(f"{HERE}/actor-{m}", f"{HERE}/default-{m}", SEEDS) for m in pair_runs.DEV_MIXTURES}
    print(f"global_draw actor - hbo's default, linear decay, seeds {SEEDS[0]}-{SEEDS[-1]}, paired bootstrap interval:")
    lines = pair_runs.second_look(arms, levels=(95.0,))
    print("\n".join(lines))
    for arm in ("actor", "default"):
        print(pair_runs.shares_line(f"dev, {arm}", f"{HERE}/{arm}-dev", SEEDS, early="sort"))
    by_mixture = [pair_runs.compare_pair(*arms[m])["delta_macro"] for m in pair_runs.DEV_MIXTURES]
    delta, low, _ = pair_runs.pooled_interval(list(arms.values()))
    passed = delta > 0 and low >= -0.5 and min(by_mixture) >= -1.5
    print(f"stage 1: {'passed' if passed else 'failed'} (pooled {delta:+.2f}, lower end {low:+.2f}, "
          f"lowest mixture {min(by_mixture):+.2f})")


def checks() -> None:
    for check, stored in STORED.items():
        mine = f"{HERE}/actor-{check}"
        print(f"{check}, linear decay, seeds 0-5, paired 95% bootstrap interval:")
        for label, spec in (("hbo (the default)", stored), ("proportional", f"{stored}:proportional"),
                            ("temperature sampling", f"{stored}:temperature")):
            print("  " + pair_runs.pair_line(f"actor's draws - {label}", mine, spec, CHECK_SEEDS))
        print("  " + pair_runs.shares_line("actor's draws", mine, CHECK_SEEDS))


if __name__ == "__main__":
    {"screen": screen, "checks": checks}[sys.argv[1]]()
