"""Runs RULE.md's arm: for each mixture and main seed, one ``level_oracle.py --without-proportional`` run
holding fixed the global shares ``hbo shares`` reads off today's default's run of the pilot seed (its
last logged mixture, the mean of the actor's distributions over the run). Two runs side by side.
``python benchmarks/results/runs/pilot-shares-today/run.py [MIXTURE ...]`` (default: the development
mixtures, then the checks, then ``hard`` and ``clean``); a run whose file exists is not run again."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = HERE.parent
BENCH = RUNS.parents[1]
sys.path.insert(0, str(BENCH))
from pair_runs import probability_records  # noqa: E402

# the first reading's runner (``../pilot-shares/run.py``, loaded by path: both scripts are named run.py):
# its seeds, question settings, pilot of a report seed, and its two-at-a-time runner
_spec = importlib.util.spec_from_file_location("pilot_shares_run", RUNS / "pilot-shares" / "run.py")
first = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(first)
DEV_QUESTIONS, FOUR_HUNDRED, report_pilot = first.DEV_QUESTIONS, first.FOUR_HUNDRED, first.report_pilot
DEV, CHECK, REPORT = first.DEV, first.CHECK, first.REPORT

NAME = "pilot-shares-today"
SCREEN = "average-draw-screen"


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


if __name__ == "__main__":
    sys.exit(first.run_all([job for m in sys.argv[1:] or list(ARMS) for job in commands(m)], HERE))
