"""RULE.md's reading: today's default against proportional and `hbo-paper` on every mixture of the
In-short table, as rows of that table. Run from the repository root:

    python benchmarks/results/runs/default-table/read.py        # read.txt

Baselines made on Intel Xeon model 167 are paired with the default's runs of model 207, which give
the same answers from the same config (`../all-strategies-207/processors.txt`); every pair is still
checked to share its library versions and to come from one of those two processors."""
import sys

sys.path.insert(0, "benchmarks")
import pair_runs  # noqa: E402

R = "benchmarks/results/runs"
HERE = f"{R}/default-table"
SCREEN = f"{R}/average-draw-screen"
WINS = f"{R}/new-default-where-it-wins"
TWELVE = list(range(12))
DEV_SEEDS, FRESH = [0, 1, 2, 3, *range(18, 30)], list(range(18, 30))


def default(mixture: str) -> str:
    """Today's default's runs of ``mixture``: the screen's seeds, then this folder's."""
    if mixture in ("hard", "clean"):
        return f"{SCREEN}/{mixture}"
    if mixture.startswith("check-"):
        return f"{SCREEN}/{mixture},{HERE}/{mixture}"
    return f"{SCREEN}/{mixture},{SCREEN}/fresh-{mixture},{HERE}/{mixture}"


def baselines(mixture: str) -> tuple[str, str, list[int], list[int]]:
    """``mixture``'s proportional and `hbo-paper` runs and the seeds each is paired on (RULE.md's table)."""
    if mixture in ("hard", "clean"):
        return (f"{SCREEN}/default-{mixture}:proportional", f"{SCREEN}/paper-{mixture}:hbo-paper", TWELVE, TWELVE)
    if mixture.startswith("check-"):
        first, more = ((f"{R}/check-newtask/runs", f"{R}/check-newtask/second-look") if mixture == "check-newtask"
                       else (f"{R}/check-manynew/runs", f"{R}/check-manynew/more-seeds"))
        return f"{first},{more}:proportional", f"{first},{more}:hbo-paper", TWELVE, TWELVE
    older = f"{R}/deck-screen/plain-{mixture}," if mixture in ("dev", "dev-pretrained") else ""
    return (f"{older}{WINS}/plain-{mixture}:proportional", f"{WINS}/paper-{mixture}:hbo-paper", DEV_SEEDS, FRESH)


def span(seeds: list[int]) -> str:
    return "0-11" if seeds == TWELVE else "0-3, 18-29" if seeds == DEV_SEEDS else "18-29"


def main() -> None:
    mixtures = ("hard", "clean", *pair_runs.DEV_MIXTURES, "check-newtask", "check-manynew")
    rows, dev = [], {"proportional": {}, "hbo-paper": {}}  # the development mixtures' pairs, pooled below
    for mixture in mixtures:
        proportional, paper, seeds, paper_seeds = baselines(mixture)
        against = {}
        for label, spec, on in (("proportional", proportional, seeds), ("hbo-paper", paper, paper_seeds)):
            arms = pair_runs.read_arms(default(mixture), spec, on, alike_processors=True)
            if mixture in pair_runs.DEV_MIXTURES:
                dev[label][mixture] = arms
            result = pair_runs.compare_pair(*arms)
            print(pair_runs.format_pair(f"{mixture}, hbo - {label}, seeds {span(on)}", result))
            low, high = result["ci95"]
            cell = f"{result['delta_macro']:+.1f} [{low:+.1f}, {high:+.1f}]"
            against[label] = f"**{cell}**" if low > 0 or high < 0 else cell
        paper_cell = (against["hbo-paper"] if paper_seeds == seeds
                      else f"seeds {span(paper_seeds)}: {against['hbo-paper']}")
        rows.append(f"| `{mixture}` | {span(seeds)} | {against['proportional']} | {paper_cell} |")
    for label, on in (("proportional", DEV_SEEDS), ("hbo-paper", FRESH)):
        print(f"\nthe four development mixtures, hbo - {label}, seeds {span(on)}:")
        print("\n".join(pair_runs.second_look(dev[label], levels=(95.0,))))
    print("\nrows (bold: the interval excludes 0):")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
