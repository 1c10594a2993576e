"""A run killed between checkpoints (SIGKILL) or stopped by SIGTERM and then resumed writes the same
probability trajectory and trains on the same examples, bit for bit, as a run never interrupted."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.gpu import DETERMINISTIC

RUN = ["training.max_steps=24", "sampling.update_interval=4", "sampling.actor_lr=0.05",
       "sampling.global_samples_per_level=2", "sampling.local_samples_per_level=4",
       "training.save_strategy=steps", "training.extra.save_steps=4", "sampling.log_samples=true",
       "data.heldout_max=8", "eval.before=false", "eval.max_new_tokens=4", *DETERMINISTIC, "--no-progress"]


def hbo_command(out: Path, *extra: str) -> list[str]:
    """``extra``: config overrides (key=value), then options such as --resume."""
    overrides = [e for e in extra if not e.startswith("--")]
    options = [e for e in extra if e.startswith("--")]
    return [sys.executable, "-m", "hbo.cli", "train", "--output-dir", str(out), *overrides, *RUN, *options]


def wait_for(path: Path, process: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.time() + timeout
    while not path.exists():
        assert process.poll() is None, f"the run ended before {path} appeared:\n{process.stderr.read()}"
        assert time.time() < deadline, f"{path} did not appear"
        time.sleep(0.02)


def start(out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(hbo_command(out, *extra), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, OMP_NUM_THREADS="1"))


def finish(out: Path, *extra: str) -> subprocess.CompletedProcess:
    result = subprocess.run(hbo_command(out, *extra), capture_output=True, text=True,
                            env=dict(os.environ, OMP_NUM_THREADS="1"))
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("reference")
    finish(out)
    return out


def assert_same_run(run: Path, reference: Path) -> None:
    for name in ("probabilities.jsonl", "samples.jsonl"):
        assert (run / name).read_bytes() == (reference / name).read_bytes(), name
    samples = (run / "samples.jsonl").read_text().splitlines()
    assert len(samples) == 7  # steps 0, 4, ..., 24: nothing lost or repeated around the restart


def test_sigkill_between_checkpoints_then_resume(tmp_path, reference):
    out = tmp_path / "run"
    process = start(out)
    wait_for(out / "trainer" / "checkpoint-8" / "hbo_state.json", process)
    process.send_signal(signal.SIGKILL)  # no handler runs: whatever was on disk is all there is
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert not (out / "eval.json").exists()
    result = finish(out, "--resume")
    assert "resuming from" in result.stdout
    assert_same_run(out, reference)


def test_sigterm_stops_after_the_step_with_a_checkpoint_then_resume(tmp_path, reference):
    out = tmp_path / "run"
    process = start(out)
    wait_for(out / "trainer" / "checkpoint-4" / "hbo_state.json", process)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert "stopped by SIGTERM" in stderr and "--resume" in stderr
    checkpoints = sorted((out / "trainer").glob("checkpoint-*"))
    assert checkpoints and all((c / "hbo_state.json").is_file() for c in checkpoints)
    assert (out / "probabilities.png").is_file() and not (out / "eval.json").exists()
    finish(out, "--resume")
    assert_same_run(out, reference)


def test_the_weight_average_the_updates_measure_comes_back_with_a_resume(tmp_path):
    """sampling.probe_average keeps an average of the weights outside the model; a run killed after a
    checkpoint and resumed measures the same average, so its mixture moves as the uninterrupted run's."""
    average = "sampling.probe_average=0.5"
    reference = tmp_path / "reference"
    finish(reference, average)
    out = tmp_path / "run"
    process = start(out, average)
    wait_for(out / "trainer" / "checkpoint-8" / "hbo_state.json", process)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert (out / "trainer" / "checkpoint-8" / "hbo_weight_average.safetensors").is_file()
    finish(out, average, "--resume")
    assert_same_run(out, reference)


def test_resume_without_checkpoint_is_a_clear_error(tmp_path):
    result = subprocess.run([sys.executable, "-m", "hbo.cli", "train", "--output-dir", str(tmp_path), "--resume"],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "no complete checkpoint" in result.stderr and len(result.stderr.strip().splitlines()) == 1
