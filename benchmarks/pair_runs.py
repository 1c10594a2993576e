"""Paired difference between the runs of two benchmark folders: a candidate's runs against the default's,
made by separate ``benchmarks/mixture.py`` commands (one folder each), as docs/benchmark-log.md reports them.

    python benchmarks/pair_runs.py CANDIDATE_DIR BASELINE_DIR [CANDIDATE_DIR2 BASELINE_DIR2 ...]

Each folder is searched for run files ``NAME-SEED.json`` (``DIR:NAME`` picks a strategy other than
``hbo``; ``DIR,DIR2`` reads several folders as one arm, as when seeds 6-11 were run after 0-5, and
``DIR,DIR2:NAME`` both). For each pair of folders: the seeds both hold, their mean macro accuracies,
the paired difference (first minus second, points) with its 95% bootstrap interval over seeds and
questions, and each dataset's difference. With several pairs, also pooled: the k-th seed (in seed
order) of every pair is one unit whose datasets are all the pairs' datasets, so seeds 6-11 of one
mixture can pool with seeds 0-5 of another. Runs are paired only when they scored the same
questions, on the same machine with the same libraries (``--any-machine`` drops that check): the same
config gives other numbers elsewhere.

The decision scripts kept beside some result folders (``pool.py``) read their arms with
``read_arms`` and print ``second_look``: each mixture at 95%, and the mixtures pooled at 95% and at
the stricter level a question looked at a second time is held to
(``hbo.outputs.comparison.paired_interval``); ``late_shares`` reads where a run's mixture
settled from its probability logs.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402

from hbo.outputs.comparison import compare_evaluations, paired_difference, paired_interval  # noqa: E402


def run_paths(spec: str) -> tuple[str, list[Path]]:
    """``DIR`` or ``DIR:NAME``: strategy NAME (default hbo) and the paths of its run files anywhere
    under DIR (``NAME-*.json``, which may hold other strategies' files too: a run file names its own).
    ``DIR,DIR2`` reads several folders as one arm (seeds 0-5 from one command and 6-11 from another)."""
    folders, _, name = spec.partition(":")
    name = name or "hbo"
    paths = []
    for folder in folders.split(","):
        found = sorted(Path(folder).rglob(f"{name}-*.json"))
        if not found and "," in folders:  # one folder of several: a typo would drop its seeds unseen
            raise SystemExit(f"{spec}: no run files {name}-SEED.json under {folder}")
        paths += found
    return name, paths


def finished_seeds(specs: list[str], seeds: list[int]) -> list[int]:
    """The seeds of ``seeds`` that every arm of ``specs`` (as ``run_paths`` reads them) has a run file
    of (``NAME-SEED.json``): what a reading can pair while its runs are still going."""
    stored = [(name, {path.name for path in paths}) for name, paths in map(run_paths, specs)]
    return [s for s in seeds if all(f"{name}-{s}.json" in names for name, names in stored)]


def read_runs(spec: str, seeds: list[int] | None) -> dict[int, dict]:
    """The run files of one arm (``run_paths``' spec) that hold held-out answers, by seed."""
    name, paths = run_paths(spec)
    runs: dict[int, dict] = {}
    for path in paths:
        record = json.loads(path.read_text())
        if record.get("name") != name or "exact" not in record:
            continue
        if record["seed"] in runs:
            raise SystemExit(f"{spec}: seed {record['seed']} twice ({path}); point at folders that hold each seed once")
        if seeds is None or record["seed"] in seeds:
            runs[record["seed"]] = record
    if not runs:
        raise SystemExit(f"{spec}: no run files {name}-SEED.json with held-out answers under {spec.partition(':')[0]}")
    return runs


def check_alike(a: dict, b: dict) -> None:
    """Stop unless two runs of one seed ran on the same machine with the same libraries."""
    for key in ("machine", "versions"):
        if a.get(key) != b.get(key):
            raise SystemExit(f"seed {a['seed']}: the runs' {key} differ ({a.get(key)} against {b.get(key)}); "
                             "the same config gives other numbers there (--any-machine pairs them anyway)")


# Processors on which every run of one config gave the same answers (two Intel Xeon models;
# benchmarks/results/runs/all-strategies-207/processors.txt), so that their runs pair as one machine's
ALIKE_PROCESSORS = ("cpu family 6, model 167,", "cpu family 6, model 207,")


def check_alike_processors(mine: list[dict], theirs: list[dict]) -> tuple[list[dict], list[dict]]:
    """Both lists of run files (same seeds, in order), each pair checked to share its library versions
    and to come from ``ALIKE_PROCESSORS``: ``check_alike`` across processors shown to answer alike."""
    for a, b in zip(mine, theirs):
        cpus = (a["machine"]["cpu"], b["machine"]["cpu"])
        if a["versions"] != b["versions"] or not all(any(m in c for m in ALIKE_PROCESSORS) for c in cpus):
            raise SystemExit(f"seed {a['seed']}: other libraries, or processors not shown to answer alike ({cpus})")
    return mine, theirs


def compare_pair(mine: list[dict], theirs: list[dict]) -> dict:
    """``hbo compare``'s arithmetic on two lists of run files (same seeds, in order); stops unless
    they scored the same questions."""
    try:
        result = compare_evaluations([{d: {"exact": v} for d, v in r["exact"].items()} for r in mine],
                                     [{d: {"exact": v} for d, v in r["exact"].items()} for r in theirs], "exact_match")
    except ValueError as e:
        raise SystemExit(f"seeds {[r['seed'] for r in mine]}: the runs scored other questions ({e})") from None
    return {"macro": [result["macro"]["a"], result["macro"]["b"]], "delta_macro": result["macro"]["delta_macro"],
            "ci95": result["macro"]["ci95"], "per_dataset": {d: r["delta"] for d, r in result["datasets"].items()}}


def compare(pairs: list[tuple[str, str]], seeds: list[int] | None = None, any_machine: bool = False) -> dict:
    """Every pair's result, and with more than one pair the pooled one (None otherwise)."""
    results, units = [], []
    for first, second in pairs:
        a, b = read_runs(first, seeds), read_runs(second, seeds)
        common = sorted(set(a) & set(b))
        if not common:
            raise SystemExit(f"{first} and {second} hold no seed in common ({sorted(a)} against {sorted(b)})")
        mine, theirs = [a[s] for s in common], [b[s] for s in common]
        if not any_machine:
            for x, y in zip(mine, theirs):
                check_alike(x, y)
        results.append({"first": first, "second": second, "seeds": common, **compare_pair(mine, theirs)})
        units.append((mine, theirs))
    pooled = None
    if len(pairs) > 1:
        first, second = pool(units)
        pooled = {"units": len(first), **paired_difference(first, second)}
    return {"pairs": results, "pooled": pooled}


def pool(units: list[tuple[list[dict], list[dict]]]) -> tuple[list[dict], list[dict]]:
    """Several pairs' run files (each pair's two lists in seed order) as one paired comparison: the k-th
    seed of every pair is one unit whose datasets are all the pairs' datasets."""
    count = min(len(mine) for mine, _ in units)
    if any(len(mine) != count for mine, _ in units):
        print(f"pooled over the first {count} seeds of each pair (the pairs hold different numbers)", file=sys.stderr)
    first = [{f"{k}:{d}": v for k, (mine, _) in enumerate(units) for d, v in mine[i]["exact"].items()}
             for i in range(count)]
    second = [{f"{k}:{d}": v for k, (_, theirs) in enumerate(units) for d, v in theirs[i]["exact"].items()}
              for i in range(count)]
    return first, second


def pooled_interval(units: list[tuple[list[dict], list[dict]]], level: float = 95.0,
                    resamples: int = 20000) -> tuple[float, float, float]:
    """``pool`` of several pairs' run files, then its paired difference with its interval at ``level``
    (bootstrap seed 0): the pooled line of a decision over several mixtures."""
    return paired_interval(*pool(units), level, resamples)


def pooled_report(name: str, units_by_other: dict[str, list[tuple[list[dict], list[dict]]]]) -> dict[str, tuple]:
    """``pooled_interval`` of arm ``name`` against each other arm (its pairs' run files over several
    mixtures), printed one line each under a heading, as the workflow readings print their decision's
    figures; returns them by the other arm's name."""
    print("the four development mixtures pooled (the k-th seed of each one unit), 95%, 20000 resamples:")
    pooled = {}
    for other, units in units_by_other.items():
        pooled[other] = pooled_interval(units)
        print(f"  {name} - {other}: {pooled[other][0]:+.2f} [{pooled[other][1]:+.2f}, {pooled[other][2]:+.2f}]")
    return pooled


def read_seeds(spec: str, seeds: list[int]) -> list[dict]:
    """``read_runs`` for exactly ``seeds``, in that order: a seed missing stops, since a decision names
    its seeds."""
    runs = read_runs(spec, seeds)
    if sorted(runs) != sorted(seeds):
        raise SystemExit(f"{spec}: has seeds {sorted(runs)}, not {sorted(seeds)}")
    return [runs[s] for s in seeds]


def read_arms(first: str, second: str, seeds: list[int], any_machine: bool = False,
              alike_processors: bool = False) -> tuple[list[dict], list[dict]]:
    """Both arms' run files for exactly ``seeds`` (``read_seeds``), each seed's two runs checked alike
    (unless ``any_machine``; with ``alike_processors``, across ``ALIKE_PROCESSORS``)."""
    mine, theirs = read_seeds(first, seeds), read_seeds(second, seeds)
    if alike_processors:
        return check_alike_processors(mine, theirs)
    if not any_machine:
        for x, y in zip(mine, theirs):
            check_alike(x, y)
    return mine, theirs


def second_look(arms: dict[str, tuple[list[dict], list[dict]]], levels: tuple[float, ...] = (95.0, 97.5),
                resamples: int = 20000) -> list[str]:
    """A decision's report over several mixtures (``arms``: mixture name -> both arms' run files in
    seed order, as ``read_arms`` gives them): each mixture's difference with its 95% interval and
    per-dataset differences, then the mixtures pooled (``pool``) at each of ``levels``; bootstrap
    seed 0."""
    lines = []
    for name, (mine, theirs) in arms.items():
        first, second = [r["exact"] for r in mine], [r["exact"] for r in theirs]
        delta, low, high = paired_interval(first, second, 95.0, resamples)
        per = {d: 100 * (np.mean([np.mean(f[d]) for f in first]) - np.mean([np.mean(s[d]) for s in second]))
               for d in first[0]}
        lines.append(f"{name}: {delta:+.2f} [{low:+.2f}, {high:+.2f}] (95%); "
                     + ", ".join(f"{d} {v:+.1f}" for d, v in per.items()))
    seeds = [r["seed"] for r in next(iter(arms.values()))[0]]
    pooled_first, pooled_second = pool(list(arms.values()))
    for level in levels:
        delta, low, high = paired_interval(pooled_first, pooled_second, level, resamples)
        lines.append(f"pooled, seeds {seeds[0]}-{seeds[-1]}: {delta:+.3f} [{low:+.3f}, {high:+.3f}] "
                     f"({level:g}%, {resamples} resamples)")
    return lines


def per_seed_oracle_runs(folder: str, name: str, seeds: list[int]) -> list[dict]:
    """The run files of a ``level_oracle.py`` arm that gave each seed its own weights (so its own digest,
    ``NAME-1a2b3c4d-SEED.json``), one per seed of ``seeds`` in that order; none or two of a seed stop."""
    runs = []
    for s in seeds:
        paths = list(Path(folder).rglob(f"{name}-????????-{s}.json"))
        if len(paths) != 1:
            raise SystemExit(f"{folder}: {len(paths)} {name} runs of seed {s}, not one")
        runs.append(json.loads(paths[0].read_text()))
    return runs


def held_shares(folder: str, runs: list[dict]) -> dict[str, float]:
    """The global shares a static arm's runs held (each run's first logged mixture, fixed for the whole
    run), averaged over ``runs``; their probability logs are under ``folder``."""
    means: dict[str, float] = {}
    for r in runs:
        log = next(Path(folder).rglob(f"{r['name']}-{r['seed']}-probabilities.jsonl"))
        for d, p in json.loads(log.read_text().splitlines()[0])["global"].items():
            means[d] = means.get(d, 0.0) + p / len(runs)
    return means


def oracle_arm(folder: str, name: str) -> str:
    """``FOLDER:RUN_NAME`` for the runs of one ``level_oracle.py`` arm under ``folder``, which names them
    after its ``--name`` and a digest of its weights (``NAME-1a2b3c4d-SEED.json``), so a reading need not
    spell the digest out. No runs of ``name``, or runs of it under two digests (the arm run again with
    other weights), stop."""
    pattern = re.compile(rf"({re.escape(name)}-[0-9a-f]{{8}})-\d+\.json")
    names = {m.group(1) for p in Path(folder).rglob("*.json") if (m := pattern.fullmatch(p.name))}
    if len(names) != 1:
        raise SystemExit(f"{folder}: the runs of {name!r} are under {len(names)} digests {sorted(names)}, not one")
    return f"{folder}:{names.pop()}"


def check_same_answers(first: str, second: str, seeds: list[int], dropped: str) -> None:
    """Print whether both arms gave the same answer on every question of each of ``seeds``, and stop with
    ``dropped`` unless they did: a baseline rerun beside an oracle against the baseline's stored runs,
    before the oracle is paired with other stored runs of the same seeds."""
    here, stored = read_arms(first, second, seeds)
    same = [a["exact"] == b["exact"] for a, b in zip(here, stored)]
    print(f"{first.partition(':')[2] or 'hbo'} here gives the stored runs' answers on every question: seeds {seeds}: {same}")
    if not all(same):
        raise SystemExit(dropped)


def probability_records(folder: str, seed: int, name: str = "hbo") -> list[dict]:
    """The records of seed ``seed``'s probability log (``NAME-SEED-probabilities.jsonl``) under
    ``folder`` (``DIR,DIR2`` reads several folders as one arm, as ``read_runs`` does); a seed without
    exactly one log there stops."""
    paths = sorted(p for f in folder.split(",") for p in Path(f).rglob(f"{name}-{seed}-probabilities.jsonl"))
    if len(paths) != 1:
        raise SystemExit(f"{folder}: {len(paths)} probability logs of {name} seed {seed}, not one")
    return [json.loads(line) for line in paths[0].read_text().splitlines()]


def late_shares(folder: str, seeds: list[int], from_step: int, name: str = "hbo") -> dict[str, float]:
    """Each dataset's global share averaged over the updates from ``from_step`` on, then over ``seeds``:
    where a run's mixture settled, read from the probability logs under ``folder``
    (``probability_records``)."""
    means: dict[str, list[float]] = {}
    for seed in seeds:
        late = [r for r in probability_records(folder, seed, name) if r["step"] >= from_step]
        if not late:
            raise SystemExit(f"{folder}: seed {seed} has no update at or after step {from_step}")
        for dataset in late[0]["global"]:
            means.setdefault(dataset, []).append(float(np.mean([r["global"][dataset] for r in late])))
    return {dataset: float(np.mean(values)) for dataset, values in means.items()}


def share_between(folder: str, seeds: list[int], dataset: str, first: int, last: int, name: str = "hbo") -> float:
    """``dataset``'s global share averaged over the updates at steps ``first``..``last`` of each seed's
    probability log under ``folder`` (``probability_records``), then over ``seeds``: how fast a run
    moved samples to it. A seed without an update in that range stops."""
    means = []
    for seed in seeds:
        records = [r for r in probability_records(folder, seed, name) if first <= r["step"] <= last]
        if not records:
            raise SystemExit(f"{folder}: seed {seed} has no update at steps {first}-{last}")
        means.append(float(np.mean([r["global"][dataset] for r in records])))
    return float(np.mean(means))


def shares_line(label: str, folder: str, seeds: list[int], early: str | None = None) -> str:
    """Where an arm's mixture settled (``late_shares`` from step 550) on one line after ``label``, led
    by dataset ``early``'s share over steps 0-500 (``share_between``) when one is named: how fast and
    how far a reading's arm moved samples, as the screens' readings print it."""
    late = format_shares(late_shares(folder, seeds, 550))
    if early is None:
        return f"{label}, mean share from step 550: {late}"
    whose = f"{early}'" if early.endswith("s") else f"{early}'s"
    return (f"{label}: {whose} mean share at steps 0-500 {share_between(folder, seeds, early, 0, 500):.2f}; "
            f"from step 550: {late}")


def check_newtask_report(short: str, mine: str, default: str, others: list[tuple[str, str]],
                         early: str | None = None) -> list[str]:
    """A screen's arm on `check-newtask` (seeds 0-5, 400 questions), run after its development screen:
    its paired difference against each of ``others`` (label, ``read_arms`` spec), then where its
    shares and those of hbo's default (its stored runs under ``default``) settled (``shares_line``)."""
    seeds = list(range(6))
    lines = [f"check-newtask, seeds {seeds}, 400 questions per dataset, paired 95% bootstrap interval:"]
    lines += [pair_line(f"{short} - {label}", mine, other, seeds) for label, other in others]
    return lines + [shares_line(f"check-newtask, {label}", folder, seeds, early)
                    for label, folder in ((short, mine), ("default", default))]


def screen_folders(root: str, mixture: str, seeds: list[int]) -> str:
    """Where a development screen keeps a mixture's runs of ``seeds`` under ``root``: seeds 0-17 in
    ``root/MIXTURE``, the fresh seeds from 18 on in ``root/fresh-MIXTURE`` (``DIR,DIR2`` when both)."""
    parts = [f"{root}/{mixture}"] if any(s < 18 for s in seeds) else []
    return ",".join(parts + ([f"{root}/fresh-{mixture}"] if any(s >= 18 for s in seeds) else []))


DEV_MIXTURES = ("dev", "dev-clean", "dev-pretrained", "dev-tiebreak")


def screen_report(root: str, default_root: str, title: str, short: str, seeds: list[int]) -> list[str]:
    """A development screen's reading: the arm under ``root`` against hbo's default under
    ``default_root`` on the four development mixtures (``screen_folders``), each and pooled
    (``second_look`` at 95%), then how fast and how far each moved samples to `sort` on `dev`."""
    arms = {m: read_arms(screen_folders(root, m, seeds), screen_folders(default_root, m, seeds), seeds)
            for m in DEV_MIXTURES}
    lines = [f"{title} - hbo's default, seeds {seeds}, paired bootstrap interval:", *second_look(arms, levels=(95.0,))]
    for label, arm_root in ((short, root), ("default", default_root)):
        lines.append(shares_line(f"dev, {label}", screen_folders(arm_root, "dev", seeds), seeds, early="sort"))
    return lines


def format_pair(label: str, result: dict) -> str:
    """One ``compare_pair`` result on one line, as the report scripts beside the run folders print it:
    the difference with its 95% interval, both arms' macro accuracy, each dataset's difference."""
    low, high = result["ci95"]
    return (f"{label}: {result['delta_macro']:+.2f} [{low:+.2f}, {high:+.2f}] (macro {result['macro'][0]:.1f} "
            f"against {result['macro'][1]:.1f}); " + ", ".join(f"{d} {v:+.1f}" for d, v in result["per_dataset"].items()))


def pair_line(label: str, first: str, second: str, seeds: list[int], alike_processors: bool = False) -> str:
    """``format_pair`` of two arms' runs (``read_arms`` specs, ``alike_processors`` as there) on exactly
    ``seeds``: the line a report script prints for one comparison."""
    return format_pair(label, compare_pair(*read_arms(first, second, seeds, alike_processors=alike_processors)))


def format_shares(shares: dict[str, float]) -> str:
    """``late_shares``' result on one line, two decimals each, as the report scripts print it."""
    return ", ".join(f"{d} {v:.2f}" for d, v in shares.items())


def format_result(result: dict) -> str:
    lines = []
    for r in result["pairs"]:
        low, high = r["ci95"]
        lines.append(f"{r['first']} - {r['second']}: seeds {r['seeds']}, macro {r['macro'][0]:.1f} against "
                     f"{r['macro'][1]:.1f}: {r['delta_macro']:+.1f} [{low:+.1f}, {high:+.1f}]")
        lines.append("  per dataset: " + ", ".join(f"{d} {v:+.1f}" for d, v in r["per_dataset"].items()))
    if result["pooled"]:
        p = result["pooled"]
        lines.append(f"pooled over {p['units']} units: {p['delta_macro']:+.1f} [{p['ci95'][0]:+.1f}, {p['ci95'][1]:+.1f}]")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", help="pairs of folders: first, second[, first2, second2 ...]; DIR:NAME for a strategy other than hbo; "
                        "DIR,DIR2 for one arm's runs in several folders (DIR,DIR2:NAME both)")
    parser.add_argument("--seeds", type=int, nargs="+", help="only these seeds (default: every seed both folders hold); after the folders")
    parser.add_argument("--any-machine", action="store_true", help="pair runs made on other machines or libraries too")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    if len(args.folders) % 2:
        parser.error("folders come in pairs: first, second")
    pairs = list(zip(args.folders[::2], args.folders[1::2]))
    result = compare(pairs, args.seeds, args.any_machine)
    print(json.dumps(result, indent=1) if args.json else format_result(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
