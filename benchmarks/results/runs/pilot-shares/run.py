"""Runs the arms of RULE.md: for each mixture and main seed, one ``level_oracle.py`` run holding fixed
the mean global shares of hbo's stored run of the pilot seed. The stored proportional run files are
copied in first, so that ``level_oracle.py`` reuses them (it does only when their config digest
matches; otherwise it reruns them). Two runs go side by side. ``python run.py [--pilot-steps N]
[MIXTURE ...]`` (default: the development mixtures and the two checks; ``hard clean`` for the
reports); ``--pilot-steps 500`` is RULE-half.md's arm, the shares of the pilot's records up to step
500 (what a 500-step pilot run logs), under the name ``half-pilot-shares``; ``--carve-probe`` is
RULE-carved.md's arm, the probe hbo keeps out of training left out here too (``carved-...``)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = HERE.parent
BENCH = RUNS.parents[1]
sys.path.insert(0, str(BENCH))
import numpy as np  # noqa: E402

from pair_runs import probability_records  # noqa: E402

DEV_QUESTIONS = ["data.mixture_heldout=null", "data.heldout_max=200"]
FOUR_HUNDRED = ["data.mixture_heldout=400", "data.heldout_max=400"]
DEV = [18, 19, 20, 21, 22, 23]
CHECK = [0, 1, 2, 3, 4, 5]
REPORT = [4, 5, 6, 7, 8, 9]


def report_pilot(s: int) -> int:
    return 4 + (s - 4 + 3) % 6


# mixture: (main seeds, pilot of a seed, hbo's stored folders, proportional's stored folder, question settings)
ARMS = {
    **{m: (DEV, lambda s: s + 6, f"wrong-mass-screen/fresh-{m}", f"new-default-where-it-wins/plain-{m}",
           FOUR_HUNDRED if m == "dev-tiebreak" else DEV_QUESTIONS)
       for m in ("dev", "dev-clean", "dev-pretrained", "dev-tiebreak")},
    "check-newtask": (CHECK, lambda s: s + 6, "check-newtask/runs,check-newtask/second-look", "check-newtask/runs",
                      FOUR_HUNDRED),
    "check-manynew": (CHECK, lambda s: s + 6, "check-manynew/runs,check-manynew/more-seeds", "check-manynew/runs",
                      FOUR_HUNDRED),
    **{m: (REPORT, report_pilot, f"new-default-reports/runs/{m}-1000", f"new-default-reports/runs/{m}-1000",
           FOUR_HUNDRED) for m in ("hard", "clean")},
}


def folders(spec: str) -> str:
    return ",".join(str(RUNS / f) for f in spec.split(","))


def arm_name(pilot_steps: int | None, carve: bool = False) -> str:
    return ("carved-" if carve else "") + {None: "pilot-shares", 500: "half-pilot-shares"}[pilot_steps]


def pilot_shares(folder: str, seed: int, pilot_steps: int | None) -> dict[str, float]:
    """The mean global shares of the pilot run's records (up to ``pilot_steps`` when given)."""
    records = [r for r in probability_records(folder, seed) if pilot_steps is None or r["step"] <= pilot_steps]
    return {d: float(np.mean([r["global"][d] for r in records])) for d in records[0]["global"]}


def commands(mixture: str, pilot_steps: int | None = None, carve: bool = False) -> list[list[str]]:
    seeds, pilot, hbo_runs, plain_runs, questions = ARMS[mixture]
    out = HERE / mixture
    target = out / "runs" / f"oracle-{mixture}-1000"
    target.mkdir(parents=True, exist_ok=True)
    jobs = []
    for s in seeds:
        for stored in (RUNS / plain_runs).rglob(f"proportional-{s}*"):
            if stored.name in (f"proportional-{s}.json", f"proportional-{s}-probabilities.jsonl") \
                    and not (target / stored.name).exists():
                shutil.copyfile(stored, target / stored.name)
        shares = pilot_shares(folders(hbo_runs), pilot(s), pilot_steps)
        jobs.append([sys.executable, str(BENCH / "level_oracle.py"), "--mixture", mixture,
                     "--name", arm_name(pilot_steps, carve), *(["--carve-probe"] if carve else []),
                     "--seeds", str(s), "--jobs", "1", "--out", str(out), "--shares", json.dumps(shares), *questions])
    return jobs


def run(job: list[str], folder: Path = HERE) -> int:
    """One ``level_oracle.py`` command, its output appended to ``folder/MIXTURE.log``."""
    mixture = job[job.index("--mixture") + 1]
    with open(folder / f"{mixture}.log", "a") as log:
        log.write(" ".join(job[1:]) + "\n")
        log.flush()
        return subprocess.run(job, stdout=log, stderr=subprocess.STDOUT, cwd=BENCH).returncode


def run_all(jobs: list[list[str]], folder: Path = HERE) -> int:
    """Every job, two side by side (``run``); prints how many failed and which, and returns the exit code."""
    with ThreadPoolExecutor(2) as pool:
        codes = list(pool.map(run, jobs, [folder] * len(jobs)))
    failed = [" ".join(j[2:8]) for j, c in zip(jobs, codes) if c]
    print(f"{len(jobs)} runs, {len(failed)} failed" + "".join(f"\n  {f}" for f in failed))
    return 1 if failed else 0


if __name__ == "__main__":
    args = sys.argv[1:]
    steps = int(args.pop(args.index("--pilot-steps") + 1)) if "--pilot-steps" in args else None
    carve = "--carve-probe" in args
    args = [a for a in args if a not in ("--pilot-steps", "--carve-probe")]
    mixtures = args or ["dev", "dev-clean", "dev-pretrained", "dev-tiebreak", "check-newtask", "check-manynew"]
    sys.exit(run_all([job for m in mixtures for job in commands(m, steps, carve)]))
