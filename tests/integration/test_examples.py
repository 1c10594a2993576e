"""The documented plain-PyTorch example runs and logs its updates."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_plain_pytorch_example(tmp_path):
    log = tmp_path / "probabilities.jsonl"
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "plain_pytorch.py"), "--steps", "20",
                             "--update-interval", "10", "--log", str(log)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "step 20:" in result.stdout
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["step"] for r in records] == [0, 10, 20]
    assert records[-1]["global"] != records[0]["global"]


def test_trl_lora_example(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "trl_lora.py"), "--steps", "20",
                             "--update-interval", "10", "--out", str(tmp_path / "run")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [line for line in result.stdout.splitlines() if line.startswith("step ")]
    assert [line.split(":")[0] for line in lines] == ["step 0", "step 10", "step 20"]
    assert lines[0] != lines[-1]  # the mixture moved
