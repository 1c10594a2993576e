"""`python benchmarks/mixture.py --quick` runs every strategy end to end and writes results of the
documented shape; the committed full results have that shape too."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from hbo.strategies import STRATEGIES

ROOT = Path(__file__).resolve().parents[1]


def check_shape(result: dict, strategies) -> None:
    assert isinstance(result["commit"], str) and isinstance(result["mixture"], str)
    assert isinstance(result["steps"], int) and all(isinstance(s, int) for s in result["seeds"])
    assert set(result["strategies"]) == set(strategies)
    for name, s in result["strategies"].items():
        for key in ("macro_accuracy", "worst_accuracy"):
            assert set(s[key]) >= {"mean", "std"} and 0 <= s[key]["mean"] <= 100, (name, key)
        assert s["worst_accuracy"]["mean"] <= s["macro_accuracy"]["mean"]
        assert s["per_dataset"] and all(0 <= v <= 100 for v in s["per_dataset"].values())
        assert s["wall_s"] > 0 and s["wall_vs_proportional"] > 0
    assert result["strategies"]["proportional"]["wall_vs_proportional"] == pytest.approx(1.0)


def test_quick_benchmark_runs_every_strategy(tmp_path):
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "mixture.py"), "--quick", "--out", str(tmp_path)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads((tmp_path / "mixture.json").read_text())
    check_shape(result, STRATEGIES)
    assert result["steps"] == 8 and result["mixture"] == "hard"
    assert set(result["strategies"]["hbo"]["per_dataset"]) == {"reverse-en", "reverse-de", "reverse-fr", "reverse-es",
                                                               "add", "add-noisy"}
    assert (tmp_path / "mixture.png").stat().st_size > 0 and "| hbo |" in (tmp_path / "mixture.md").read_text()


def test_committed_results_have_the_documented_shape():
    result = json.loads((ROOT / "benchmarks" / "results" / "mixture.json").read_text())
    check_shape(result, STRATEGIES)
    assert result["steps"] >= 300 and len(result["seeds"]) >= 3
