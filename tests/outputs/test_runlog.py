import json
import math

from hbo.outputs.runlog import RunLog, scalars


def test_records_and_their_scalars(tmp_path):
    """A record keys everything by dataset (and level); its scalars are the finite values under
    ``hbo/...``, the probe's loss, wrong-token share, margin deficit and wrong mass included where the strategy
    measures them."""
    log = RunLog(["a", "b"], tmp_path / "probabilities.jsonl")
    record = log.record(10, [0.25, 0.75], [[0.5, 0.5], [1.0]], [0.1, 0.2], None, [[3, 1], [4]], skipped=[1],
                        probe_loss=[0.5, None], global_score=[0.0, 2.5],
                        probe_answers={"wrong_tokens": [0.125, math.nan], "margin": [0.75, None],
                                       "wrong_mass": [0.3, None]})
    assert record["global_score"] == {"a": 0.0, "b": 2.5}
    assert record["probe_wrong_tokens"]["a"] == 0.125 and math.isnan(record["probe_wrong_tokens"]["b"])
    assert record["probe_margin"] == {"a": 0.75, "b": None}
    assert record["local"] == {"a": {"0": 0.5, "1": 0.5}, "b": {"0": 1.0}} and record["skipped"] == ["local:b"]
    assert json.loads((tmp_path / "probabilities.jsonl").read_text().splitlines()[0])["probe_loss"] == {"a": 0.5, "b": None}
    flat = scalars(record)
    assert flat["hbo/probe_wrong_tokens/a"] == 0.125 and "hbo/probe_wrong_tokens/b" not in flat  # NaN left out
    assert flat["hbo/probe_loss/a"] == 0.5 and "hbo/probe_loss/b" not in flat
    assert flat["hbo/probe_margin/a"] == 0.75 and "hbo/probe_margin/b" not in flat
    assert flat["hbo/probe_wrong_mass/a"] == 0.3 and "hbo/probe_wrong_mass/b" not in flat
    assert flat["hbo/global/b"] == 0.75 and flat["hbo/local/a/1"] == 0.5 and flat["hbo/examples/a"] == 4.0
    assert flat["hbo/global_reward/a"] == 0.1 and not any(k.startswith("hbo/local_reward") for k in flat)
    assert flat["hbo/global_score/a"] == 0.0 and flat["hbo/global_score/b"] == 2.5
    plain = log.record(20, [0.5, 0.5], [[0.5, 0.5], [1.0]], None, None, [[0, 0], [0]])
    assert plain["probe_loss"] is None
    assert all(plain[key] is None for key in ("probe_wrong_tokens", "probe_margin", "probe_wrong_mass"))
    assert plain["global_score"] is None
    assert not any("probe" in k or "score" in k for k in scalars(plain))


def test_mean_shares_average_every_record_and_hbo_shares_averages_runs(tmp_path, capsys):
    from hbo.cli import main
    from hbo.outputs.runlog import mean_shares

    def run(folder, first, second):
        log = RunLog(["a", "b"], folder / "probabilities.jsonl")
        for step, p in ((0, first), (50, second)):
            log.record(step, [p, 1 - p], [[1.0], [1.0]], None, None, [[0], [0]])
        return log.records

    assert mean_shares(run(tmp_path / "one", 0.5, 0.7)) == {"a": 0.6, "b": 0.4}
    run(tmp_path / "two", 0.2, 0.2)
    assert main(["shares", str(tmp_path / "one"), str(tmp_path / "two")]) == 0
    out = capsys.readouterr().out
    assert "averaged over 2 runs" in out and "a        0.4000" in out and "b        0.6000" in out
    assert out.splitlines()[-1].strip() == """sampling.strategy=fixed 'sampling.shares={"a": 0.4, "b": 0.6}'"""


def test_hbo_shares_reads_the_last_mixture_of_a_run_that_drew_from_the_mean(tmp_path, capsys):
    """Under ``global_draw: average`` every logged mixture is the mean of the actor's distributions so
    far, so the last one is the mean over the whole run; a config older than the option drew from the
    actor, whose records are averaged."""
    from hbo.cli import main

    for folder, sampling in (("average", "strategy: hbo\n  global_draw: average"), ("older", "strategy: hbo"),
                             ("local", "strategy: hbo-local\n  global_draw: average")):
        log = RunLog(["a", "b"], tmp_path / folder / "probabilities.jsonl")
        for step, p in ((0, 0.5), (50, 0.6), (100, 0.7)):
            log.record(step, [p, 1 - p], [[1.0], [1.0]], None, None, [[0], [0]])
        (tmp_path / folder / "config.yaml").write_text(f"sampling:\n  {sampling}\n")
    for folder, share in (("average", "0.7000"), ("older", "0.6000"), ("local", "0.6000")):
        assert main(["shares", str(tmp_path / folder)]) == 0
        assert f"a        {share}" in capsys.readouterr().out


def test_hbo_shares_refuses_runs_of_other_datasets_and_missing_logs(tmp_path, capsys):
    from hbo.cli import main

    for folder, names in (("one", ["a", "b"]), ("other", ["a", "c"])):
        RunLog(names, tmp_path / folder / "probabilities.jsonl").record(0, [0.5, 0.5], [[1.0], [1.0]], None, None,
                                                                        [[0], [0]])
    assert main(["shares", str(tmp_path / "one"), str(tmp_path / "other")]) == 2
    assert "its datasets (a, c) are not those of" in capsys.readouterr().err
    assert main(["shares", str(tmp_path / "missing")]) == 2
    assert "missing/probabilities.jsonl: no such file" in capsys.readouterr().err
    (tmp_path / "one" / "config.yaml").write_text("sampling: [strategy: hbo\n")
    assert main(["shares", str(tmp_path / "one")]) == 2
    assert "one/config.yaml: not valid YAML" in capsys.readouterr().err
