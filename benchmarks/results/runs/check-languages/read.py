"""RULE.md's reading: hbo's default against proportional, the paper's temperature sampling (tau = 10)
and the paper's method as published (`hbo-paper`) on `check-languages`, paired over seeds and
questions, then where hbo's mixture settled. Run from the repository root:

    python benchmarks/results/runs/check-languages/read.py        # read.txt

Every arm ran here (Intel Xeon, model 207)."""
import sys
from pathlib import Path

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

HERE = "benchmarks/results/runs/check-languages"
SEEDS = list(range(6))
OTHERS = {"proportional": f"{HERE}/main:proportional", "temperature": f"{HERE}/paper:temperature",
          "hbo-paper": f"{HERE}/paper:hbo-paper"}


def finished(spec: str) -> list[int]:
    """The seeds of SEEDS whose run of the arm ``spec`` (``DIR:NAME``, hbo without a name) is stored."""
    folder, _, name = spec.partition(":")
    return [s for s in SEEDS if any(Path(folder).rglob(f"{name or 'hbo'}-{s}.json"))]


def main() -> None:
    hbo = f"{HERE}/main"
    print("check-languages, 400 questions per dataset, paired 95% bootstrap interval:")
    for label, other in OTHERS.items():
        seeds = [s for s in finished(hbo) if s in finished(other)]
        if not seeds:
            print(f"  hbo - {label}: no seed has finished")
            continue
        print("  " + pair_runs.pair_line(f"hbo - {label}, seeds {seeds}", hbo, other, seeds))
    done = finished(hbo)
    if done:
        print("  " + pair_runs.shares_line(f"hbo, seeds {done}", hbo, done))
        print("  the prior: " + pair_runs.format_shares(pair_runs.probability_records(hbo, done[0])[0]["global"]))
    paper = finished(OTHERS["hbo-paper"])
    if paper:
        shares = pair_runs.late_shares(f"{HERE}/paper", paper, 550, name="hbo-paper")
        print(f"  hbo-paper, seeds {paper}, mean share from step 550: {pair_runs.format_shares(shares)}")


if __name__ == "__main__":
    main()
