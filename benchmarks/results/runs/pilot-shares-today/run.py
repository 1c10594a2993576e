"""Runs RULE.md's arm: for each mixture and main seed, one ``level_oracle.py --without-proportional`` run
holding fixed the global shares ``hbo shares`` reads off today's default's run of the pilot seed (its
last logged mixture, the mean of the actor's distributions over the run). Two runs side by side.
``python benchmarks/results/runs/pilot-shares-today/run.py [MIXTURE ...]`` (default: the development
mixtures, then the checks, then ``hard`` and ``clean``); a run whose file exists is not run again."""
from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = HERE.parent
BENCH = RUNS.parents[1]
sys.path.insert(0, str(BENCH))
from pair_runs import probability_records  # noqa: E402

NAME = "pilot-shares-today"
DEV_QUESTIONS = ["data.mixture_heldout=null", "data.heldout_max=200"]
FOUR_HUNDRED = ["data.mixture_heldout=400", "data.heldout_max=400"]
DEV, CHECK, REPORT = [18, 19, 20, 21, 22, 23], [0, 1, 2, 3, 4, 5], [4, 5, 6, 7, 8, 9]
SCREEN = "average-draw-screen"


def report_pilot(s: int) -> int:
    return 4 + (s - 4 + 3) % 6


# mixture: (main seeds, pilot of a seed, pilots' folder, hbo's side, proportional's runs, question settings)
ARMS = {
    **{m: (DEV, lambda s: s + 6, f"default-table/{m}", f"{SCREEN}/fresh-{m}",
           f"new-default-where-it-wins/plain-{m}", FOUR_HUNDRED if m == "dev-tiebreak" else DEV_QUESTIONS)
       for m in ("dev", "dev-clean", "dev-pretrained", "dev-tiebreak")},
    **{m: (CHECK, lambda s: s + 6, f"default-table/{m}", f"{SCREEN}/{m}", f"{SCREEN}/default-{m}", FOUR_HUNDRED)
       for m in ("check-newtask", "check-manynew")},
    **{m: (REPORT, report_pilot, f"{SCREEN}/{m}", f"{SCREEN}/{m}", f"{SCREEN}/default-{m}", FOUR_HUNDRED)
       for m in ("hard", "clean")},
}


def pilot_shares(mixture: str, seed: int) -> dict[str, float]:
    """What ``hbo shares`` prints for the pilot run: its last logged mixture, which under ``global_draw:
    average`` is the mean of the global actor's distributions at the prior and every update."""
    return dict(probability_records(str(RUNS / ARMS[mixture][2]), seed)[-1]["global"])


def commands(mixture: str) -> list[list[str]]:
    seeds, pilot, _, _, _, questions = ARMS[mixture]
    return [[sys.executable, str(BENCH / "level_oracle.py"), "--mixture", mixture, "--name", NAME,
             "--without-proportional", "--seeds", str(s), "--jobs", "1", "--out", str(HERE / mixture),
             "--shares", json.dumps(pilot_shares(mixture, pilot(s))), *questions] for s in seeds]


def run(job: list[str]) -> int:
    mixture = job[job.index("--mixture") + 1]
    with open(HERE / f"{mixture}.log", "a") as log:
        log.write(" ".join(job[1:]) + "\n")
        log.flush()
        return subprocess.run(job, stdout=log, stderr=subprocess.STDOUT, cwd=BENCH).returncode


if __name__ == "__main__":
    mixtures = sys.argv[1:] or list(ARMS)
    jobs = [job for m in mixtures for job in commands(m)]
    with ThreadPoolExecutor(2) as pool:
        codes = list(pool.map(run, jobs))
    failed = [" ".join(j[2:4] + j[7:9]) for j, c in zip(jobs, codes) if c]
    print(f"{len(jobs)} runs, {len(failed)} failed" + "".join(f"\n  {f}" for f in failed))
    sys.exit(1 if failed else 0)
