"""Bad inputs that must be caught early and said clearly (the table in docs/reliability.md)."""
import json
import warnings

import pytest
import torch

from hbo.config import DataConfig, DatasetConfig, load_config
from hbo.core.sampler import HierarchicalSampler
from hbo.data.formats import DataError
from hbo.data.mixture import read_mixture
from hbo.files import atomic_write, atomic_write_text, load_state, save_state
from hbo.strategies import make_strategy
from hbo.training.controller import MixtureController


def test_malformed_line_deep_in_a_large_file_is_reported_before_training(tmp_path):
    good = json.dumps({"prompt": "question", "completion": "answer"}) + "\n"
    path = tmp_path / "big.jsonl"
    path.write_text(good * 149_999 + '{"prompt": "q", "completion": \n' + good * 50_000)
    with pytest.raises(DataError, match=r"big.jsonl:150000: malformed JSON"):
        read_mixture(DataConfig(datasets=[DatasetConfig(name="big", path=str(path))]))


def test_heldout_overlapping_training_warns_with_the_count(tmp_path):
    rows = [json.dumps({"prompt": f"q{i}", "completion": "a"}) + "\n" for i in range(20)]
    (tmp_path / "train.jsonl").write_text("".join(rows))
    (tmp_path / "held.jsonl").write_text("".join(rows[:3]) + json.dumps({"prompt": "new", "completion": "a"}) + "\n")
    spec = DatasetConfig(name="a", path=str(tmp_path / "train.jsonl"), heldout_path=str(tmp_path / "held.jsonl"))
    with pytest.warns(UserWarning, match=r"'a': 3 of 4 held-out examples also appear in its training data"):
        [(_, _, _, report)] = read_mixture(DataConfig(datasets=[spec]))
    assert report.overlap == 3


def test_resume_refuses_a_checkpoint_from_other_levels():
    cfg = load_config().sampling
    levels, other = [[[0, 1], [2]]], [[[0], [1, 2]]]

    def controller(lv):
        return MixtureController(make_strategy(cfg, lv, torch.zeros(3), torch.zeros(3)),
                                 HierarchicalSampler(lv, num_samples=4), 2, 2)

    state = controller(levels).state_dict(step=2)
    with pytest.raises(ValueError, match="difficulty levels differ"):
        controller(other).load_state_dict(state)


def test_a_sampler_that_would_train_on_the_development_probe_is_refused():
    cfg = load_config().sampling  # the default rewards hold a probe out of every level
    levels = [[list(range(0, 8)), list(range(8, 16))]]
    strategy = make_strategy(cfg, levels, torch.ones(16), torch.ones(16))
    assert sum(map(len, strategy.probe_levels[0])) == 4  # two of each level of eight
    MixtureController(strategy, HierarchicalSampler(strategy.training_levels, num_samples=4), 2, 2)
    with pytest.raises(ValueError, match="development probe"):
        MixtureController(strategy, HierarchicalSampler(levels, num_samples=4), 2, 2)


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    target = atomic_write_text(tmp_path / "eval.json", '{"ok": 1}')

    def crash(tmp):
        tmp.write_text('{"half')
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, crash)
    assert json.loads(target.read_text()) == {"ok": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["eval.json"]


def test_state_is_json_never_pickle(tmp_path):
    path = save_state(tmp_path / "hbo_state.json", {"logits": torch.tensor([0.5, -1.0], dtype=torch.float64), "step": 3})
    json.loads(path.read_text())  # plain JSON: nothing is unpickled on resume
    state = load_state(path)
    assert torch.equal(state["logits"], torch.tensor([0.5, -1.0], dtype=torch.float64)) and state["step"] == 3


def test_remote_code_is_off_unless_asked():
    assert load_config().model.trust_remote_code is False
    assert load_config(None, ["model.trust_remote_code=true"]).model.trust_remote_code is True


def test_bad_data_stops_hbo_train_before_the_model_and_its_libraries_load(tmp_path):
    """One error line, no output folder, and neither transformers nor datasets imported."""
    import subprocess
    import sys

    (tmp_path / "d.jsonl").write_text('{"prompt": "a", "completion": "b"}\n{"prompt": "a", "completion": \n')
    script = ("import sys; from hbo.cli import main; code = main(['train', '--output-dir', sys.argv[1], "
              "'data.datasets=[{name: d, path: ' + sys.argv[2] + '}]']); "
              "print(code, 'transformers' in sys.modules, 'datasets' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "out"), str(tmp_path / "d.jsonl")],
                          capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["2", "False", "False"], done.stderr
    assert done.stderr.strip() == f"hbo: error: {tmp_path / 'd.jsonl'}:2: malformed JSON (Expecting value at column 1)"
    assert not (tmp_path / "out").exists()


def test_sigterm_during_scoring_stops_with_a_message(tmp_path):
    import signal
    import subprocess
    import sys

    # the stand-in scorer sleeps in short steps, as the real one returns to Python between batches: a
    # signal the kernel hands to another of the process's threads is run by the main thread only when it
    # next runs Python code, and one long sleep would keep it waiting for the whole sleep
    script = ("import sys, time; import hbo.training.setup as setup\n"
              "def slow(*a, **k):\n    print('scoring', flush=True)\n    for _ in range(1200): time.sleep(0.1)\n"
              "setup.load_or_score = slow\n"
              "from hbo.cli import main; sys.exit(main(['train', '--no-progress', '--output-dir', sys.argv[1]]))\n")
    process = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "out")], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    for line in process.stdout:
        if line.strip() == "scoring":
            break
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM
    assert "hbo: stopped by SIGTERM outside the training loop (reading data, scoring or evaluating)" in stderr


@pytest.mark.parametrize("engine", ["FSDP", "DEEPSPEED"])
def test_a_weight_average_under_a_sharding_engine_is_turned_off_with_a_warning(monkeypatch, engine):
    """sampling.probe_average (on by default) copies the parameters before the Trainer prepares the
    model; FSDP and DeepSpeed wrap or partition them after that, so under them the updates measure the
    weights as trained, and the run says so before anything is read."""
    from types import SimpleNamespace

    from hbo.training import setup

    launched = SimpleNamespace(process_index=0, distributed_state=SimpleNamespace(
        distributed_type=SimpleNamespace(name=engine)))
    monkeypatch.setattr(setup, "training_arguments", lambda config, progress=True: launched)
    monkeypatch.setattr(setup, "encode_mixture", lambda *args: (_ for _ in ()).throw(RuntimeError("read")))
    for overrides, warned in (([], True), (["sampling.probe_average=null"], False),
                              (["sampling.strategy=mos"], False)):
        with warnings.catch_warnings(record=True) as caught, pytest.raises(RuntimeError, match="read"):
            warnings.simplefilter("always")
            setup.setup_training(load_config(None, overrides), model=None, tokenizer=None, read=())
        messages = [str(w.message) for w in caught]
        assert any(f"not supported with {engine}" in m for m in messages) == warned, (overrides, messages)
