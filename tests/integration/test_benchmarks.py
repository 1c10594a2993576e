"""`python benchmarks/mixture.py --quick` runs every strategy end to end and writes results of the
documented shape; the committed full results have that shape too."""
import importlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from hbo.strategies import STRATEGIES

BENCHMARKED = {name for name, r in STRATEGIES.items() if not r.needs_shares} | {"hbo-paper"}  # every strategy but
# a mix given by hand (the benchmarks have none to give it), and hbo as published (preset: paper)

ROOT = Path(__file__).resolve().parents[2]


def benchmark_module(name: str):
    """A script of benchmarks/ imported as a module (the scripts import each other by bare name)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


def check_shape(result: dict, strategies, paired: bool = True) -> None:
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
    if not paired:
        return
    assert set(result["paired"]) == set(result["strategies"]) - {"hbo"}
    for name, p in result["paired"].items():
        low, high = p["ci95"]
        assert low <= p["delta_macro"] <= high, name
        mine, theirs = result["strategies"]["hbo"], result["strategies"][name]
        assert p["delta_macro"] == pytest.approx(mine["macro_accuracy"]["mean"] - theirs["macro_accuracy"]["mean"], abs=1e-6)


def test_quick_benchmark_runs_every_strategy(tmp_path):
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "mixture.py"), "--quick", "--out", str(tmp_path),
                          "--jobs", "2"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads((tmp_path / "mixture.json").read_text())
    check_shape(result, BENCHMARKED)
    assert result["steps"] == 8 and result["mixture"] == "hard"
    assert set(result["strategies"]["hbo"]["per_dataset"]) == {"reverse-en", "reverse-de", "reverse-fr", "reverse-es",
                                                               "add", "add-noisy"}
    assert (tmp_path / "mixture.png").stat().st_size > 0 and "| hbo |" in (tmp_path / "mixture.md").read_text()
    # a rerun reuses the run files of the same config and refuses to mix in those of another
    runs = tmp_path / "runs" / "hard-8"
    files = sorted(runs.glob("*.json"))
    assert len(files) == len(BENCHMARKED) and all(json.loads(f.read_text())["digest"] for f in files)
    # each beside its run's probability log: one record per update, the priors first
    for f in files:
        records = [json.loads(line) for line in f.with_name(f"{f.stem}-probabilities.jsonl").read_text().splitlines()]
        assert records[0]["step"] == 0 and records[-1]["step"] == 8
    versions = json.loads(files[0].read_text())["versions"]  # what the answers were computed with
    assert versions["torch"].split("+")[0] == torch.__version__.split("+")[0] and versions["transformers"]
    assert json.loads(files[0].read_text())["machine"] == benchmark_module("run_files").machine()  # and on what
    mixture = benchmark_module("mixture")
    overrides = mixture.VARIANTS["proportional"] + mixture.QUICK["overrides"]
    done = json.loads((runs / "proportional-0.json").read_text())
    assert mixture.run_one("proportional", 0, 8, "hard", overrides, runs) == done  # read back, not run again
    with pytest.raises(SystemExit, match="another config"):
        mixture.run_one("proportional", 0, 8, "hard", overrides + ["training.learning_rate=1e-3"], runs)


def test_run_files_are_reused_only_for_the_same_config(tmp_path, capsys):
    run_files = benchmark_module("run_files")
    from hbo.config import load_config

    digest = run_files.config_digest(load_config(None, ["output_dir=a"]))
    assert digest == run_files.config_digest(load_config(None, ["output_dir=b"]))  # where it writes decides nothing
    assert digest != run_files.config_digest(load_config(None, ["sampling.heldout_threshold=null"]))  # a default changed
    path = tmp_path / "hbo-0.json"
    assert run_files.read_run(path, digest) is None
    here, on = run_files.library_versions(), run_files.machine()
    run_files.write_run(path, {"macro": 1.0, "digest": digest, "versions": here, "machine": on})
    assert run_files.read_run(path, digest) == {"macro": 1.0, "digest": digest, "versions": here, "machine": on}
    # the same config and libraries on another processor give other answers (docs/benchmark-log.md)
    run_files.write_run(path, {"macro": 1.0, "digest": digest, "versions": here, "machine": {**on, "kernels": "NONE"}})
    with pytest.raises(SystemExit, match=f"another machine \\(kernels NONE → {on['kernels']}\\)"):
        run_files.read_run(path, digest)
    run_files.write_run(path, {"macro": 1.0, "digest": digest, "versions": here})  # before files named the machine
    assert run_files.read_run(path, digest) == {"macro": 1.0, "digest": digest, "versions": here}
    assert "do not say which processor" in capsys.readouterr().err
    run_files.read_run(path, digest)
    assert capsys.readouterr().err == ""  # said once per folder, not once per file
    with pytest.raises(SystemExit, match="another config"):
        run_files.read_run(path, "0" * 16)
    run_files.write_run(path, {"macro": 1.0, "digest": digest, "versions": {**here, "transformers": "4.0.0"}})
    with pytest.raises(SystemExit, match=f"other library versions \\(transformers 4.0.0 → {here['transformers']}\\)"):
        run_files.read_run(path, digest)  # the same config in another environment gives other answers
    run_files.write_run(path, {"macro": 1.0, "digest": digest})  # written before run files carried versions
    assert run_files.read_run(path, digest) == {"macro": 1.0, "digest": digest}
    assert "does not say which library versions" in capsys.readouterr().err
    run_files.write_run(path, {"macro": 1.0})  # written before run files carried a digest
    with pytest.raises(SystemExit, match="no config digest"):
        run_files.read_run(path, digest)
    assert run_files.read_run(path, digest, undigested=True) == {"macro": 1.0}


def test_an_option_added_since_keeps_earlier_run_files_valid():
    """A key of ``run_files.ADDED_KEYS`` at its listed value leaves the digest as it was before the
    key existed (a committed run file's digest still matches its config); any other value changes it."""
    run_files = benchmark_module("run_files")
    from hbo.config import load_config

    record = json.loads((ROOT / "benchmarks" / "results" / "runs" / "q100-hard-1000" / "hbo-3.json").read_text())
    assert record["commit"].startswith("4e4d7a6")  # written before the keys below existed
    config = ["data.mixture=hard", "sampling.seed=3", "training.seed=3", "training.max_steps=1000",
              "eval.before=false", *record["overrides"],
              "sampling.probe_average=null",  # the default since; this run measured the weights as trained
              "sampling.heldout_measure=loss", "sampling.heldout_fall=total",  # and it read the probe's loss
              "sampling.global_draw=actor"]  # and drew from the actor as it stood
    assert run_files.config_digest(load_config(None, config)) == record["digest"]
    # a strategy that keeps no weight average is the same run whatever probe_average says
    static = json.loads((ROOT / "benchmarks" / "results" / "runs" / "env-hard-1000" / "proportional-0.json").read_text())
    static_config = ["data.mixture=hard", "sampling.seed=0", "training.seed=0", "training.max_steps=1000",
                     "eval.before=false", *static["overrides"]]
    for average in ("0.98", "null", "0.5"):
        assert run_files.config_digest(load_config(None, static_config + [f"sampling.probe_average={average}"])) \
            == static["digest"]
    for draw in ("actor", "average"):  # nor whatever global_draw says: it draws from no actor
        assert run_files.config_digest(load_config(None, static_config + [f"sampling.global_draw={draw}"])) \
            == static["digest"]
    # nor whatever the held-out probe's measure and fall say, where the run reads no probe; hbo's does
    loss, wrong_mass = ["sampling.heldout_measure=loss", "sampling.heldout_fall=total"], \
        ["sampling.heldout_measure=wrong_mass", "sampling.heldout_fall=absolute"]
    for measure in (loss, wrong_mass):
        assert run_files.config_digest(load_config(None, static_config + measure)) == static["digest"]
        assert run_files.config_digest(load_config(None, config + measure + ["preset=paper"])) \
            == run_files.config_digest(load_config(None, config + loss + ["preset=paper"]))
    assert run_files.config_digest(load_config(None, config + wrong_mass)) != record["digest"]
    changed = {"sampling.heldout_units": "errors", "sampling.reward_ema_of": "tilts", "data.mixture_heldout": 200,
               "sampling.heldout_lapse": 2, "sampling.heldout_trend": 4, "sampling.heldout_measure": "wrong_tokens",
               "sampling.hold_steps": 100, "sampling.probe_average": 0.9,
               "sampling.global_moves": "on_evidence", "sampling.transfer_probe": "small_loss",
               "sampling.transfer_step": "unit", "sampling.heldout_credit": "attributed",
               "sampling.gradient_blocks": 1, "sampling.actor_lr_decay": 0.5, "sampling.shares": "{a: 2, b: 1}",
               "sampling.global_draw": "average"}
    needs = {"sampling.transfer_probe": ["sampling.global_reward=transfer"],
             "sampling.transfer_step": ["sampling.global_reward=transfer"],
             "sampling.gradient_blocks": ["sampling.heldout_credit=attributed"],  # an option only some rewards take
             "sampling.shares": ["sampling.strategy=fixed", "sampling.shares={a: 1, b: 1}"]}  # and one strategy needs
    assert set(changed) == set(run_files.ADDED_KEYS)
    for key, value in changed.items():
        assert value != run_files.ADDED_KEYS[key]
        context = config + needs.get(key, [])
        before = record["digest"] if key not in needs else run_files.config_digest(load_config(None, context))
        assert run_files.config_digest(load_config(None, context + [f"{key}={value}"])) != before


def test_committed_results_have_the_documented_shape():
    result = json.loads((ROOT / "benchmarks" / "results" / "mixture.json").read_text())
    check_shape(result, BENCHMARKED)
    assert result["steps"] >= 1000 and len(result["seeds"]) >= 3
    clean = result["clean"]
    check_shape(clean, {"hbo", "hbo-paper", "proportional", "temperature", "uniform"})
    assert clean["seeds"] == result["seeds"] and clean["mixture"] == "clean"


def check_above_baselines(result: dict, strategies: set[str]) -> None:
    """Every strategy's gain over the base model and over the best constant letter: the point difference
    of its mean macro and theirs (the baselines answer the same on every seed), inside its interval."""
    assert set(result["over_base"]) == strategies and set(result["over_constant_letter"]) == strategies | {"base"}
    entries = {**result["strategies"], "base": result["base"]}
    for name, p in result["over_base"].items():
        want = entries[name]["macro_accuracy"]["mean"] - result["base"]["macro_accuracy"]["mean"]
        assert p["delta_macro"] == pytest.approx(want) and p["ci95"][0] <= p["delta_macro"] <= p["ci95"][1]
    for name, p in result["over_constant_letter"].items():
        want = entries[name]["macro_accuracy"]["mean"] - result["constant_letter"]
        assert p["delta_macro"] == pytest.approx(want) and p["ci95"][0] <= p["delta_macro"] <= p["ci95"][1]
    assert result["over_base"]["hbo"]["seeds"] == result["strategies"]["hbo"]["seeds"]


def test_committed_smollm2_results_are_the_whole_grid_per_setup():
    smollm2 = benchmark_module("smollm2")
    results = json.loads((ROOT / "benchmarks" / "results" / "smollm2.json").read_text())
    assert [r["setup"] for r in results] == ["multilingual", "multitask"]
    for result in results:
        check_shape(result, smollm2.STRATEGIES)
        assert result["seeds"] == [0, 1, 2] and result["missing"] == []
        assert all(p["seeds"] == [0, 1, 2] for p in result["paired"].values())  # every pair over every seed
        assert all(n >= 100 for n in result["questions"].values())  # every held-out file has 100 or more
        assert set(result["base"]["per_dataset"]) == set(result["questions"])
        assert set(result["base"]) == set(result["strategies"]["hbo"]) - {"wall_vs_proportional"}
        assert 0 < result["base"]["macro_accuracy"]["mean"] < 100 and 0 < result["constant_letter"] < 100
        assert result["command"].startswith("python benchmarks/smollm2.py") and result["device"]
        check_above_baselines(result, set(smollm2.STRATEGIES))
        assert all(p["seeds"] == [0, 1, 2] for p in result["over_base"].values())
    assert len(results[0]["questions"]) == 8 and len(results[1]["questions"]) == 4
    text = (ROOT / "benchmarks" / "results" / "smollm2.md").read_text()
    assert all(commit in text for commit in results[0]["run_commits"]) and "| hbo |" in text


def check_overhead_shape(result: dict) -> None:
    assert isinstance(result["commit"], str) and isinstance(result["machine"], str)
    for c in result["configs"]:
        assert isinstance(c["config"], str) and c["params"] > 0
        assert set(c["wall_vs_proportional"]) >= {"hbo", "hbo_progress_online"}
        assert all(v > 0 for v in c["wall_vs_proportional"].values())
        assert set(c["reward_s_per_update"]) == {"hbo", "one_at_a_time"}
        assert all(v > 0 for v in c["reward_s_per_update"].values())
        assert c["scoring_vs_forward"] > 0 and c["peak_mem_mb"]
        assert c["reward_max_relative_difference"] < 1e-3  # both probes measure the same thing
        assert set(c["estimated_vs_proportional"]) == {"hbo", "hbo_progress_online"}
        assert all(v >= 1 for v in c["estimated_vs_proportional"].values()) or c["online_step_overhead"]["losses"] < 0
        assert 0 <= c["update_share"]["hbo"] < 1 and c["online_step_overhead"]["step_s"] > 0
        assert set(c["reward_s_per_process"]) == {"1", "2"} and all(v > 0 for v in c["reward_s_per_process"].values())
        # two processes each measure half of the examples (rounded up), and get the same rewards
        assert c["reward_examples_per_process"]["2"] == -(-c["reward_examples_per_process"]["1"] // 2)
        assert c["reward_processes_max_relative_difference"] < 1e-4
        for v in c.get("variants", {}).values():
            assert v["overrides"] and v["wall_vs_proportional"] > 0 and v["tokens_vs_proportional"] > 0
            assert 0 <= v["update_share"] < 1 and v["estimated_vs_proportional"] == 1 / (1 - v["update_share"])


def test_quick_overhead_benchmark(tmp_path):
    variant = ["--variant", "transfer", "sampling.global_reward=transfer", "sampling.alignment_samples_per_level=1"]
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "overhead.py"), "--quick", "--out", str(tmp_path),
                          *variant], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads((tmp_path / "overhead.json").read_text())
    check_overhead_shape(result)
    assert [c["config"] for c in result["configs"]] == ["demo"]
    assert result["command"].endswith(" ".join(variant))
    transfer = result["configs"][0]["variants"]["transfer"]
    assert transfer["overrides"] == variant[2:] and transfer["update_share"] > 0  # its updates were timed
    assert "| demo | transfer |" in (tmp_path / "overhead.md").read_text()


def test_overhead_benchmark_refuses_a_bad_variant(tmp_path, capsys):
    overhead = benchmark_module("overhead")
    for variant, said in ((["--variant", "transfer"], "give a new name"),
                          (["--variant", "a", "sampling.tilt=1", "--variant", "a", "sampling.tilt=2"], "give a new name"),
                          (["--variant", "a", "sampling.no_such_key=1"], "--variant a: unknown config key")):
        with pytest.raises(SystemExit) as stopped:
            overhead.main(["--quick", "--out", str(tmp_path), *variant])
        err = capsys.readouterr().err
        assert stopped.value.code == 2 and said in err, err[-2000:]
    assert not list(tmp_path.iterdir())  # refused before anything was measured


def test_committed_overhead_results_have_the_documented_shape():
    result = json.loads((ROOT / "benchmarks" / "results" / "overhead.json").read_text())
    check_overhead_shape(result)
    params = [c["params"] for c in result["configs"]]
    assert len(params) >= 2 and max(params) >= 10 * min(params)


def test_quick_online_rewards_benchmark(tmp_path):
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "online_rewards.py"), "--quick", "--out",
                          str(tmp_path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads((tmp_path / "online_rewards.json").read_text())
    assert set(result["accuracy"]) == {"proportional", "hbo offline", "hbo online"}
    assert set(result["paired"]) == {"proportional", "hbo offline"}  # hbo online minus each
    for pair in result["paired"].values():
        assert pair["ci95"][0] <= pair["delta_macro"] <= pair["ci95"][1]
    # one result file per run: what a rerun of the benchmark reads back instead of training again
    runs = tmp_path / "runs" / "online-rewards-8"
    assert {f.name for f in runs.glob("*-0.json")} == {"proportional-0.json", "hbo-offline-0.json", "hbo-online-0.json"}
    assert len(result["agreement"]["per_update"]) == 2  # 8 steps, an update every 4
    assert all(len(r["online_global"]) == 6 for r in result["agreement"]["rewards"])


def test_the_sweeps_chosen_setting_is_hbos_default():
    """The sweep names the setting it chose; hbo's defaults must be exactly that setting with what was
    chosen after it (``ADDED_SINCE``), and each addition must change something."""
    sweep = benchmark_module("sweep")
    from hbo.config import load_config

    setting = sweep.SETTINGS[sweep.DEFAULT]
    for addition in sweep.ADDED_SINCE:
        assert load_config(None, setting + [addition]) != load_config(None, setting), addition
    chosen, default = load_config(None, setting + sweep.ADDED_SINCE), load_config()
    # the held-out rewards read no training signal, so reward_source (offline in the sweep, auto by
    # default) does not change what they do
    assert (chosen.sampling.global_reward, chosen.sampling.local_reward) == ("heldout", "heldout")
    chosen.sampling.reward_source = default.sampling.reward_source
    assert chosen == default
    committed = json.loads((ROOT / "benchmarks" / "results" / "sweep.json").read_text())
    assert committed["default"] == sweep.DEFAULT and set(committed["mixtures"]) == set(sweep.MIXTURES)
    assert set(committed["all_mixtures_vs_proportional"]) == set(sweep.SETTINGS)  # every setting on every mixture


def test_quick_lora_benchmark(tmp_path):
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "lora.py"), "--quick", "--out", str(tmp_path)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    check_lora_shape(json.loads((tmp_path / "lora.json").read_text()))


def test_committed_lora_results_have_the_documented_shape():
    result = json.loads((ROOT / "benchmarks" / "results" / "lora.json").read_text())
    check_lora_shape(result)
    assert result["steps"] == 300 and result["rounds"] == 3


def check_lora_shape(result: dict) -> None:
    assert set(result["training_s"]) == {"full/proportional", "full/hbo", "lora/proportional", "lora/hbo"}
    assert all(s > 0 for runs in result["training_s"].values() for s in runs)
    assert set(result["lora_vs_full"]) == {"proportional", "hbo"} and set(result["hbo_vs_proportional"]) == {"full", "lora"}
    for mode in ("full", "lora"):
        assert 0 < result["update_share"][mode] < 1  # hbo's updates take some of its loop, never all
        assert result["estimated_hbo_vs_proportional"][mode] == pytest.approx(1 / (1 - result["update_share"][mode]))
        assert result["tokens_hbo_vs_proportional"][mode] > 0


def check_scale_shape(result: dict, loaders: set[str]) -> None:
    assert isinstance(result["commit"], str) and result["tokenizer_tokens_per_s"] > 0
    assert {r["loader"] for r in result["rows"]} == loaders
    for r in result["rows"]:
        assert isinstance(r["examples"], int) and isinstance(r["tokens"], int) and r["tokens"] > r["examples"] > 0
        assert r["first_s"] > 0 and r["cached_s"] > 0 and r["rss_bytes_per_token"] >= 0
        assert r["tokens_per_s"] == pytest.approx(r["tokens"] / r["first_s"], rel=0.01)


def test_scale_benchmark_writes_its_documented_shape(tmp_path):
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "scale.py"), "--sizes", "3000", "--baseline-sizes",
                          "--work", str(tmp_path / "work"), "--out", str(tmp_path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads((tmp_path / "scale.json").read_text())
    check_scale_shape(result, {"arrow"})
    examples = result["rows"][0]["examples"]
    assert 2700 < examples < 3000  # less each file's held-out examples
    assert f"| arrow | {examples:,} |" in (tmp_path / "scale.md").read_text()


def test_committed_scale_results_have_the_documented_shape():
    check_scale_shape(json.loads((ROOT / "benchmarks" / "results" / "scale.json").read_text()), {"arrow", "baseline"})


def write_exam_setups(root: Path, folder: str = "data") -> None:
    """Stand-ins for `hbo data prepare multilingual` and `multitask` (into ``folder``): every dataset the
    recipes name, with lettered multiple-choice questions (and, in multitask, numeric ones)."""
    import yaml

    for setup in ("multilingual", "multitask"):
        recipe = yaml.safe_load((ROOT / "examples" / f"smollm2-{setup}.yaml").read_text())
        for spec in recipe["data"]["datasets"]:
            rows = {"path": [], "heldout_path": []}
            for key, count in (("path", 24), ("heldout_path", 6)):
                for i in range(count):
                    answer = (i * 7 + len(spec["name"])) % 4
                    options = "\n".join(f"{'ABCD'[k]}. {spec['name']} option {k + i}" for k in range(4))
                    rows[key].append({"messages": [{"role": "user", "content": f"Question {i}?\n{options}\nAnswer:"},
                                                   {"role": "assistant", "content": f"[{'ABCD'[answer]}]"}]})
                    if setup == "multitask" and i % 3 == 0:
                        rows[key].append({"messages": [{"role": "user", "content": f"What is {i} + 2?"},
                                                       {"role": "assistant", "content": str(i + 2)}]})
                path = root / folder / Path(spec[key]).relative_to("data")
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("".join(json.dumps(r) + "\n" for r in rows[key]))


def test_continuing_a_grid_with_later_seeds_keeps_the_first_seeds_plot(tmp_path, monkeypatch):
    draws_plot = benchmark_module("run_files").draws_plot
    assert draws_plot(0, [0, 1, 2], exists=True)  # seed 0's run is the plot, drawn again if rerun
    assert not draws_plot(1, [0, 1, 2], exists=False)
    assert not draws_plot(1, [1, 2], exists=True)  # continuing with seeds 1-2: seed 0's plot stays
    assert draws_plot(1, [1, 2], exists=False)  # a grid without seed 0 still gets a plot
    assert not draws_plot(2, [1, 2], exists=False)
    # the toy benchmark follows the same rule: continued with seed 1, it keeps seed 0's plot of hbo
    mixture = benchmark_module("mixture")
    jobs = []

    def started(batch, workers):
        jobs.extend(batch)
        raise StopIteration  # only the runs it would start are looked at

    monkeypatch.setattr(mixture, "run_all", started)
    (tmp_path / "hard-hbo-probabilities.png").write_bytes(b"seed 0's plot")
    with pytest.raises(StopIteration):
        mixture.benchmark("hard", ["hbo", "proportional"], [1, 2], 8, [], tmp_path, 1, plots=True)
    plots = {(name, seed): plot for name, seed, _, _, _, _, plot, _ in jobs}
    assert plots == {("hbo", 1): None, ("hbo", 2): None, ("proportional", 2): None,
                     ("proportional", 1): tmp_path / "hard-proportional-probabilities.png"}


def test_quick_smollm2_benchmark_runs_the_grid_resumes_and_refuses_other_configs(tmp_path):
    write_exam_setups(tmp_path, "prepared")  # where the recipes do not look: --data points there
    out = tmp_path / "out"
    command = [sys.executable, str(ROOT / "benchmarks" / "smollm2.py"), "--quick", "--out", str(out), "--jobs", "2",
               "--data", "prepared", "model.name_or_path=demo"]  # the built-in tiny model stands in for SmolLM2
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads((out / "smollm2-quick.json").read_text())
    assert [r["setup"] for r in results] == ["multilingual", "multitask"]
    for result in results:
        strategies = {"hbo", "hbo-paper", "proportional", "temperature", "uniform", "mos", "mos-plus"}
        check_shape({**result, "mixture": result["mixture"]}, strategies)
        assert result["seeds"] == [0] and result["steps"] == 4 and not result["missing"]
        assert set(result["base"]["per_dataset"]) == set(result["strategies"]["hbo"]["per_dataset"])
        assert all(n == 4 for n in result["questions"].values())  # data.heldout_max=4
        assert 0 < result["constant_letter"] <= 100 and len(result["config_digests"]) == len(strategies)
        assert set(result["paired_content"]) == strategies - {"hbo"}
        assert set(result["paired_calibrated"]) == strategies - {"hbo"}
        base = result["base"]  # shaped like a strategy's entry (its one run: no spread, not trained)
        assert set(base) == set(result["strategies"]["hbo"]) - {"wall_vs_proportional"} and base["wall_s"] == 0.0
        assert base["macro_accuracy"]["std"] == 0.0 and 0.0 <= base["calibrated_accuracy"]["mean"] <= 100.0
        check_above_baselines(result, strategies)
    files = sorted((out / "runs" / "smollm2-quick").rglob("*.json"))
    assert len(files) == 2 * 8  # per setup: the base model and seven strategies
    first = {f: f.stat().st_mtime_ns for f in files}
    again = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert again.returncode == 0 and {f: f.stat().st_mtime_ns for f in files} == first  # nothing rerun
    # a piece of the grid (one strategy, one more seed) leaves the whole grid's summary, not the piece's,
    # and lists a strategy that has no run file yet as missing
    for not_yet in (out / "runs" / "smollm2-quick").rglob("mos-plus-0.json"):
        not_yet.unlink()
    piece = subprocess.run(command + ["--setups", "multitask", "--strategies", "uniform", "--seeds", "1"],
                           cwd=tmp_path, capture_output=True, text=True)
    assert piece.returncode == 0, piece.stderr[-3000:]
    files = [f for f in files if f.name != "mos-plus-0.json"]
    assert {f: f.stat().st_mtime_ns for f in files} == {f: first[f] for f in files}
    results = json.loads((out / "smollm2-quick.json").read_text())
    assert [r["setup"] for r in results] == ["multilingual", "multitask"]
    multilingual, multitask = results
    assert len(multitask["strategies"]) == len(multilingual["strategies"]) == 6 and multitask["seeds"] == [0, 1]
    assert {"mos-plus-0", "mos-plus-1"} <= set(multilingual["missing"]) & set(multitask["missing"])
    assert multitask["strategies"]["uniform"]["seeds"] == [0, 1] and multitask["strategies"]["hbo"]["seeds"] == [0]
    assert multitask["paired"]["uniform"]["seeds"] == [0]  # paired on the seeds hbo has too
    assert "(seeds 0)" in (out / "smollm2-quick.md").read_text()  # and the table says so
    assert "uniform-1" in multilingual["missing"] and "hbo-1" in multitask["missing"]
    assert "uniform-1" not in multitask["missing"] and "--seeds 0 1" in multitask["command"]
    base_file = out / "runs" / "smollm2-quick" / "multitask" / "base.json"
    kept = base_file.read_text()
    record = json.loads(kept)
    record["answers"] = {d: [None] * len(a) for d, a in record["answers"].items()}  # not the answers it scored
    base_file.write_text(json.dumps(record))
    mismatch = subprocess.run(command + ["--stop-after", "0"], cwd=tmp_path, capture_output=True, text=True)
    assert mismatch.returncode != 0 and "from the base run's answers" in mismatch.stderr
    base_file.write_text(kept)
    stray = out / "runs" / "smollm2-quick" / "multitask" / "notes.json"
    stray.write_text("{}")
    refused = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert refused.returncode != 0 and "not a run file of this benchmark" in refused.stderr
    stray.unlink()
    other = subprocess.run(command + ["training.learning_rate=1e-3"], cwd=tmp_path, capture_output=True, text=True)
    assert other.returncode != 0 and "was run with another config" in other.stderr
    question = next((tmp_path / "prepared" / "multilingual").glob("*/heldout.jsonl"))
    question.write_text(question.read_text().replace("Question 1?", "Question one?"))  # same path, other data
    changed = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert changed.returncode != 0 and "was run with another config" in changed.stderr


def test_level_oracle_samples_the_size_prior_and_the_given_level_weights(monkeypatch):
    import torch

    from hbo import strategies
    from hbo.config import load_config

    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import level_oracle

    monkeypatch.setattr(strategies, "STRATEGIES", dict(strategies.STRATEGIES))  # the registry stays as it was
    level_oracle.register_oracle({1: [1, 1, 0, 2]})
    config = load_config(None, [f"sampling.strategy={level_oracle.ORACLE}"]).sampling
    levels = [[[0, 1], [2, 3], [4, 5], [6, 7]], [[8], [9], [10], [11]]]
    oracle = strategies.make_strategy(config, levels, torch.zeros(12), torch.zeros(12))
    datasets, within = oracle.probabilities()
    assert datasets == pytest.approx([8 / 12, 4 / 12]) and not oracle.updates
    assert within[0] == pytest.approx([0.25] * 4)
    assert within[1] == pytest.approx([0.25, 0.25, 0.0, 0.5], abs=1e-9)
    with pytest.raises(ValueError, match="dataset 0 needs 4 weights"):
        level_oracle.register_oracle({0: [1, 1]})
        strategies.make_strategy(config, levels, torch.zeros(12), torch.zeros(12))
    level_oracle.register_oracle({}, [1.0, 3.0])  # dataset shares instead of the size prior
    datasets, within = strategies.make_strategy(config, levels, torch.zeros(12), torch.zeros(12)).probabilities()
    assert datasets == pytest.approx([0.25, 0.75]) and within[1] == pytest.approx([0.25] * 4)


def test_level_oracle_drops_the_rows_with_random_answers_and_keeps_the_share(monkeypatch):
    from hbo import strategies
    from hbo.config import load_config
    from hbo.core.sampler import HierarchicalSampler

    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import level_oracle

    monkeypatch.setattr(strategies, "STRATEGIES", dict(strategies.STRATEGIES))
    level_oracle.register_oracle({}, None, {1: (6, [0, 3])})  # rows 0 and 3 of dataset 1's 6 are noisy
    config = load_config(None, [f"sampling.strategy={level_oracle.ORACLE}"]).sampling
    levels = [[[0, 1], [2, 3]], [[4, 9], [5, 6], [7, 8]]]  # dataset 1 is rows 4-9 of the flat index
    oracle = strategies.make_strategy(config, levels, torch.zeros(10), torch.zeros(10))
    assert oracle.levels[1] == [[5, 6, 8, 9], [4, 7]]
    datasets, within = oracle.probabilities()
    assert datasets == pytest.approx([4 / 10, 6 / 10]) and within[1] == pytest.approx([1.0, 0.0], abs=1e-9)
    sampler = HierarchicalSampler(oracle.training_levels, num_samples=400, seed=0)
    sampler.set_probabilities(datasets, within)
    assert set(sampler) == {0, 1, 2, 3, 5, 6, 8, 9}
    level_oracle.register_oracle({}, None, {1: (7, [0, 3])})  # a row the training set does not have
    with pytest.raises(ValueError, match="not its file's 7 rows"):
        strategies.make_strategy(config, levels, torch.zeros(10), torch.zeros(10))


def test_level_oracle_phases_set_the_dataset_shares_by_step(monkeypatch):
    from hbo import strategies
    from hbo.config import load_config

    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import level_oracle

    monkeypatch.setattr(strategies, "STRATEGIES", dict(strategies.STRATEGIES))
    level_oracle.register_oracle({}, None, None, [(0, [1.0, 3.0]), (100, [1.0, 0.0])])
    config = load_config(None, [f"sampling.strategy={level_oracle.ORACLE}"]).sampling
    levels = [[[0, 1], [2, 3]], [[4, 5], [6, 7]]]
    oracle = strategies.make_strategy(config, levels, torch.zeros(8), torch.zeros(8))
    assert oracle.updates and oracle.probabilities()[0] == pytest.approx([0.25, 0.75])
    assert oracle.update(None, 50) == {} and oracle.probabilities()[0] == pytest.approx([0.25, 0.75])
    oracle.update(None, 100)
    assert oracle.probabilities()[0] == pytest.approx([1.0, 0.0], abs=1e-9)


def test_level_oracle_carve_probe_leaves_out_what_hbo_keeps_as_its_probe(monkeypatch):
    from hbo import strategies
    from hbo.config import load_config
    from hbo.strategies.hbo import HBOStrategy

    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import level_oracle

    monkeypatch.setattr(strategies, "STRATEGIES", dict(strategies.STRATEGIES))
    level_oracle.register_oracle({}, [1.0, 3.0], carve_probe=True)
    config = load_config(None, [f"sampling.strategy={level_oracle.ORACLE}", "sampling.seed=5"]).sampling
    levels = [[list(range(16 * k, 16 * k + 16)) for k in range(2 * d, 2 * d + 2)] for d in range(2)]
    oracle = strategies.make_strategy(config, levels, torch.zeros(64), torch.zeros(64))
    hbo = HBOStrategy(levels, config, torch.zeros(64), torch.zeros(64))  # the default rewards carve a probe
    trained = {i for dataset in oracle.training_levels for level in dataset for i in level}
    assert len(hbo.probe_indices) == 16 and trained == set(range(64)) - set(hbo.probe_indices)
    assert oracle.probabilities()[0] == pytest.approx([0.25, 0.75]) and not oracle.probe_indices


def test_level_oracle_refuses_phases_that_do_not_start_at_step_0(capsys, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import level_oracle

    shares = '{"reverse-en": 1, "reverse-de": 1, "reverse-fr": 1, "reverse-es": 1, "add": 1, "add-noisy": 1}'
    with pytest.raises(SystemExit):
        level_oracle.main(["--mixture", "hard", "--name", "x", "--phases", f"[[100, {shares}]]"])
    assert "first steps rising from 0" in capsys.readouterr().err


def test_unlearnable_benchmark_reports_every_seed(tmp_path, capsys):
    """Two seeds of a few steps: the noisy copy's share from the even start, after every update."""
    unlearnable = benchmark_module("unlearnable")
    shares = unlearnable.main(["--seeds", "0", "1", "--steps", "4", "--interval", "2", "--out", str(tmp_path),
                               "sampling.probe_per_level=1"])
    assert sorted(shares) == [0, 1]
    for row in shares.values():
        assert len(row) == 3 and row[0] == pytest.approx(0.5) and all(0 < p < 1 for p in row)
    printed = capsys.readouterr().out
    assert "seed 1: noisy share 0.500" in printed and "of 2" in printed and "95% bootstrap over seeds [" in printed


def test_unlearnable_benchmark_continues_from_its_records_and_refuses_other_settings(tmp_path, monkeypatch):
    """A rerun into the same --out reads each seed's shares back instead of training again; one with other
    settings stops rather than mixing their results in."""
    unlearnable = benchmark_module("unlearnable")
    args = ["--steps", "4", "--interval", "2", "--out", str(tmp_path), "sampling.probe_per_level=1"]
    first = unlearnable.main(["--seeds", "0", *args])
    assert (tmp_path / "seed-0.json").is_file()

    import hbo.recipe

    def no_training(*_, **__):
        raise AssertionError("a seed with a record was trained again")

    monkeypatch.setattr(hbo.recipe, "train", no_training)
    assert unlearnable.main(["--seeds", "0", *args]) == first
    with pytest.raises(SystemExit, match="another config"):
        unlearnable.main(["--seeds", "0", *args, "sampling.tilt=2"])


@pytest.mark.parametrize("draw", ["level", "uniform"])
def test_unlearnable_clean_probe_holds_correct_answers_only_and_as_many_as_hbo_carves(draw):
    """The oracle probe leaves every random answer to training and holds as many correct ones as hbo's
    per-level carve of them would; drawn uniformly, it no longer takes a share from a level that is
    nearly all random answers."""
    import hbo.strategies.hbo as strategy_module

    unlearnable = benchmark_module("unlearnable")
    carve = strategy_module.hold_out
    levels = [[list(range(0, 40)), list(range(40, 80))], [list(range(80, 120)), list(range(120, 160))]]
    wrong = set(range(40, 76)) | set(range(120, 130))  # dataset 0's second level: 4 correct answers of 40
    with unlearnable.probe_of_correct_answers(wrong, draw):
        training, probe = strategy_module.hold_out(levels, 4, seed=0)
    assert strategy_module.hold_out is carve
    _, per_level = carve([[[i for i in level if i not in wrong] for level in d] for d in levels], 4, seed=0)
    for d, dataset in enumerate(levels):
        held = [i for level in probe[d] for i in level]
        assert not set(held) & wrong and len(held) == len(set(held))
        assert len(held) == sum(len(level) for level in per_level[d])
        for kept, level, taken in zip(training[d], dataset, probe[d]):
            assert sorted(kept + taken) == level and set(taken) <= set(level)
    if draw == "level":
        assert probe == per_level and len(probe[0][1]) == 1
    else:
        draws = []
        for seed in range(20):
            with unlearnable.probe_of_correct_answers(wrong, draw):
                draws.append(len(strategy_module.hold_out(levels, 4, seed=seed)[1][0][1]))
        assert sum(draws) < 20  # 4 of dataset 0's 44 correct answers lie there: about 0.5 of 5 per draw


def test_unlearnable_mean_interval_brackets_the_mean_and_narrows_with_seeds():
    unlearnable = benchmark_module("unlearnable")
    assert unlearnable.mean_interval([0.4] * 5) == (pytest.approx(0.4), pytest.approx(0.4))
    few = unlearnable.mean_interval([0.2, 0.8, 0.3, 0.7])
    many = unlearnable.mean_interval([0.2, 0.8, 0.3, 0.7] * 16)
    assert few[0] < 0.5 < few[1] and many[0] < 0.5 < many[1]
    assert many[1] - many[0] < (few[1] - few[0]) / 2


def write_runs(folder: Path, name: str, exact_by_seed: dict, machine: str = "m") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for seed, exact in exact_by_seed.items():
        macro = 100 * sum(sum(v) / len(v) for v in exact.values()) / len(exact)
        (folder / f"{name}-{seed}.json").write_text(json.dumps(
            {"name": name, "seed": seed, "macro": macro, "exact": exact, "machine": {"cpu": machine}, "versions": {}}))


def test_pair_runs_pairs_seeds_and_pools_pairs_by_seed_order(tmp_path, capsys):
    pair_runs = benchmark_module("pair_runs")
    # candidate: dataset x one question better on seed 0; baseline has a seed the candidate lacks
    write_runs(tmp_path / "a" / "runs", "hbo", {0: {"x": [1, 1], "y": [0, 1]}, 1: {"x": [0, 1], "y": [1, 1]}})
    write_runs(tmp_path / "b", "hbo", {0: {"x": [0, 1], "y": [0, 1]}, 1: {"x": [0, 1], "y": [1, 1]},
                                       2: {"x": [1, 1], "y": [1, 1]}})
    write_runs(tmp_path / "b", "proportional", {0: {"x": [0, 0], "y": [0, 0]}, 1: {"x": [0, 0], "y": [0, 0]}})
    # a second mixture on seeds 6-7, whose k-th seed pools with the first's k-th
    write_runs(tmp_path / "c", "hbo", {6: {"z": [1]}, 7: {"z": [1]}})
    write_runs(tmp_path / "d", "hbo", {6: {"z": [0]}, 7: {"z": [1]}})
    result = pair_runs.compare([(str(tmp_path / "a"), str(tmp_path / "b")), (str(tmp_path / "c"), str(tmp_path / "d"))])
    first, second = result["pairs"]
    assert first["seeds"] == [0, 1] and second["seeds"] == [6, 7]
    # seed 0: x +50 points, y 0; seed 1: 0; macro over x and y, mean over seeds: +12.5
    assert first["delta_macro"] == pytest.approx(12.5) and first["per_dataset"] == {"x": 25.0, "y": 0.0}
    assert second["delta_macro"] == pytest.approx(50.0)
    # pooled units: (seed 0, seed 6) and (seed 1, seed 7) over datasets 0:x, 0:y, 1:z: (25 + 0 + 50) / 3
    assert result["pooled"]["units"] == 2 and result["pooled"]["delta_macro"] == pytest.approx(25.0)
    against = pair_runs.compare([(str(tmp_path / "a"), f"{tmp_path / 'b'}:proportional")])
    assert against["pairs"][0]["delta_macro"] == pytest.approx(75.0) and against["pooled"] is None
    assert pair_runs.main([str(tmp_path / "a"), str(tmp_path / "b")]) == 0
    assert "+12.5 [" in capsys.readouterr().out


def test_pair_runs_reads_one_arm_from_several_folders(tmp_path):
    pair_runs = benchmark_module("pair_runs")
    write_runs(tmp_path / "a-0", "hbo", {0: {"x": [1, 1]}})
    write_runs(tmp_path / "a-1", "hbo", {1: {"x": [1, 0]}})
    write_runs(tmp_path / "b", "hbo", {0: {"x": [0, 1]}, 1: {"x": [0, 0]}})
    result = pair_runs.compare([(f"{tmp_path / 'a-0'},{tmp_path / 'a-1'}", str(tmp_path / "b"))])
    # seed 0: +50 points, seed 1: +50 points
    assert result["pairs"][0]["seeds"] == [0, 1] and result["pairs"][0]["delta_macro"] == pytest.approx(50.0)
    with pytest.raises(SystemExit, match="seed 0 twice"):
        pair_runs.compare([(f"{tmp_path / 'a-0'},{tmp_path / 'a-0'}", str(tmp_path / "b"))])
    with pytest.raises(SystemExit, match="no run files hbo-SEED.json under .*typo"):
        pair_runs.compare([(f"{tmp_path / 'a-0'},{tmp_path / 'typo'}", str(tmp_path / "b"))])


def test_pair_runs_finished_seeds_are_those_every_arm_has_stored(tmp_path):
    """A reading pairs only the seeds every arm has finished; `hbo-paper-1.json` is not hbo's seed 1."""
    pair_runs = benchmark_module("pair_runs")
    write_runs(tmp_path / "a" / "runs", "hbo", {0: {"x": [1]}, 2: {"x": [1]}})
    write_runs(tmp_path / "a" / "runs", "hbo-paper", {1: {"x": [1]}})
    write_runs(tmp_path / "a" / "runs", "proportional", {0: {"x": [0]}, 1: {"x": [0]}, 2: {"x": [0]}})
    write_runs(tmp_path / "b", "hbo", {2: {"x": [0]}})
    a = str(tmp_path / "a")
    assert pair_runs.finished_seeds([a, f"{a}:proportional"], [0, 1, 2, 3]) == [0, 2]
    assert pair_runs.finished_seeds([a, f"{a}:proportional"], [1, 2]) == [2]
    assert pair_runs.finished_seeds([f"{a}:hbo-paper"], [0, 1]) == [1]
    assert pair_runs.finished_seeds([f"{a},{tmp_path / 'b'}", f"{a}:proportional"], [0, 1, 2]) == [0, 2]
    assert pair_runs.finished_seeds([str(tmp_path / "absent")], [0, 1]) == []


def test_pair_runs_pairs_across_processors_shown_to_answer_alike_only(tmp_path):
    """Runs of the two Intel models that gave the same answers pair as one machine's; another processor,
    or other library versions, stop."""
    pair_runs = benchmark_module("pair_runs")
    model = "Intel(R) Xeon(R) Processor, cpu family 6, model {}, stepping 1"
    write_runs(tmp_path / "a", "hbo", {0: {"x": [1, 1]}}, machine=model.format(167))
    write_runs(tmp_path / "b", "hbo", {0: {"x": [0, 1]}}, machine=model.format(207))
    write_runs(tmp_path / "c", "hbo", {0: {"x": [0, 1]}}, machine="AMD EPYC, cpu family 25, model 17, stepping 1")
    mine, theirs = pair_runs.read_arms(str(tmp_path / "a"), str(tmp_path / "b"), [0], any_machine=True)
    assert pair_runs.check_alike_processors(mine, theirs) == (mine, theirs)
    assert pair_runs.read_arms(str(tmp_path / "a"), str(tmp_path / "b"), [0], alike_processors=True) == (mine, theirs)
    amd = pair_runs.read_arms(str(tmp_path / "a"), str(tmp_path / "c"), [0], any_machine=True)
    with pytest.raises(SystemExit, match="not shown to answer alike"):
        pair_runs.check_alike_processors(*amd)
    with pytest.raises(SystemExit, match="not shown to answer alike"):
        pair_runs.read_arms(str(tmp_path / "a"), str(tmp_path / "c"), [0], alike_processors=True)
    with pytest.raises(SystemExit, match="other libraries"):
        pair_runs.check_alike_processors(mine, [{**theirs[0], "versions": {"torch": "0"}}])


def test_pair_runs_refuses_runs_that_cannot_be_paired(tmp_path):
    pair_runs = benchmark_module("pair_runs")
    write_runs(tmp_path / "a", "hbo", {0: {"x": [1, 1]}})
    write_runs(tmp_path / "other-questions", "hbo", {0: {"x": [1, 1, 0]}})
    write_runs(tmp_path / "other-machine", "hbo", {0: {"x": [0, 1]}}, machine="another")
    write_runs(tmp_path / "other-seed", "hbo", {3: {"x": [0, 1]}})
    with pytest.raises(SystemExit, match="other questions"):
        pair_runs.compare([(str(tmp_path / "a"), str(tmp_path / "other-questions"))])
    with pytest.raises(SystemExit, match="machine differ"):
        pair_runs.compare([(str(tmp_path / "a"), str(tmp_path / "other-machine"))])
    assert pair_runs.compare([(str(tmp_path / "a"), str(tmp_path / "other-machine"))], any_machine=True)["pairs"]
    with pytest.raises(SystemExit, match="no seed in common"):
        pair_runs.compare([(str(tmp_path / "a"), str(tmp_path / "other-seed"))])
    with pytest.raises(SystemExit, match="no run files"):
        pair_runs.compare([(str(tmp_path / "a"), str(tmp_path / "nothing"))])


def test_pair_runs_second_look_reports_each_mixture_and_the_pool_at_each_level(tmp_path):
    """What a second look's decision script prints: each mixture's difference at 95%, and the mixtures
    pooled at 95% and at the stricter level, the same bootstrap at both (so the stricter is wider)."""
    pair_runs = benchmark_module("pair_runs")
    write_runs(tmp_path / "a", "hbo", {0: {"x": [1, 1, 0, 1]}, 1: {"x": [1, 0, 1, 1]}, 2: {"x": [0, 1, 1, 1]}})
    write_runs(tmp_path / "b", "hbo", {0: {"x": [0, 1, 0, 1]}, 1: {"x": [1, 0, 0, 1]}, 2: {"x": [0, 1, 1, 0]}})
    write_runs(tmp_path / "c", "hbo", {0: {"y": [1, 0]}, 1: {"y": [0, 0]}, 2: {"y": [1, 1]}})
    write_runs(tmp_path / "d", "hbo", {0: {"y": [1, 0]}, 1: {"y": [1, 0]}, 2: {"y": [1, 1]}})
    write_runs(tmp_path / "short", "hbo", {0: {"x": [1, 1, 0, 1]}, 1: {"x": [1, 0, 1, 1]}})
    arms = {"m1": pair_runs.read_arms(str(tmp_path / "a"), str(tmp_path / "b"), [0, 1, 2]),
            "m2": pair_runs.read_arms(str(tmp_path / "c"), str(tmp_path / "d"), [0, 1, 2])}
    assert [r["seed"] for r in arms["m1"][0]] == [0, 1, 2]
    with pytest.raises(SystemExit, match=r"has seeds \[0, 1\], not \[0, 1, 2\]"):
        pair_runs.read_arms(str(tmp_path / "short"), str(tmp_path / "b"), [0, 1, 2])
    lines = pair_runs.second_look(arms, (95.0, 97.5), resamples=500)
    # m1: one question more right on each seed, +25 points; m2: one fewer on seed 1, -50 / 3 points
    assert lines[0].startswith("m1: +25.00 [") and lines[0].endswith("x +25.0")
    assert lines[1].startswith("m2: -16.67 [") and lines[1].endswith("y -16.7")
    # pooled: each seed's unit averages x and y, (25 - 50 / 3) / 2
    pooled = [line for line in lines if line.startswith("pooled, seeds 0-2:")]
    assert [line.split(" (")[1] for line in pooled] == ["95%, 500 resamples)", "97.5%, 500 resamples)"]
    bounds = [tuple(float(v) for v in line.split("[")[1].split("]")[0].split(", ")) for line in pooled]
    assert all(line.split(": ")[1].startswith("+4.167 [") for line in pooled)
    assert bounds[1][0] <= bounds[0][0] and bounds[1][1] >= bounds[0][1]
    assert pair_runs.second_look(arms, levels=(), resamples=500) == lines[:2]  # no level: no pooled line
    # one pair on one line, as the report scripts print it: +25 points, 75.0 against 50.0 macro
    line = pair_runs.format_pair("a - b", pair_runs.compare_pair(*arms["m1"]))
    assert line.startswith("a - b: +25.00 [") and line.endswith("] (macro 75.0 against 50.0); x +25.0")
    # the same line straight from the folders, on exactly the seeds named
    assert pair_runs.pair_line("a - b", str(tmp_path / "a"), str(tmp_path / "b"), [0, 1, 2]) == line
    with pytest.raises(SystemExit, match=r"has seeds \[0, 1\], not \[0, 1, 2\]"):
        pair_runs.pair_line("short - b", str(tmp_path / "short"), str(tmp_path / "b"), [0, 1, 2])


def write_probability_logs(folder: Path, logs: dict, names: tuple[str, str] = ("a", "b")) -> None:
    """hbo's probability logs of two datasets under ``folder``: ``logs`` maps a seed to its updates,
    (step, the first dataset's share), the second taking the rest."""
    folder.mkdir(parents=True, exist_ok=True)
    for seed, points in logs.items():
        (folder / f"hbo-{seed}-probabilities.jsonl").write_text("".join(
            json.dumps({"step": step, "global": {names[0]: share, names[1]: 1 - share}}) + "\n" for step, share in points))


def test_pair_runs_late_shares_average_each_runs_later_updates_then_the_seeds(tmp_path):
    """Where a run's mixture settled: each dataset's share over the updates from the given step on, then
    the mean over seeds; a seed whose log is missing stops instead of shrinking the mean."""
    pair_runs = benchmark_module("pair_runs")
    logs = {0: [(0, 0.5), (500, 0.9), (600, 0.7), (1000, 0.3)], 1: [(0, 0.5), (600, 0.2), (1000, 0.4)]}
    write_probability_logs(tmp_path / "arm" / "runs" / "dev-1000", logs)
    shares = pair_runs.late_shares(str(tmp_path / "arm"), [0, 1], 550)
    # seed 0: (0.7 + 0.3) / 2 = 0.5; seed 1: (0.2 + 0.4) / 2 = 0.3; mean 0.4 (b: 0.6)
    assert shares == pytest.approx({"a": 0.4, "b": 0.6})
    assert list(shares) == ["a", "b"]
    assert pair_runs.format_shares(shares) == "a 0.40, b 0.60"
    with pytest.raises(SystemExit, match="0 probability logs of hbo seed 2"):
        pair_runs.late_shares(str(tmp_path / "arm"), [0, 2], 550)
    # two folders read as one arm: seed 2 in the second, seed 0 in both (twice is not once)
    later = tmp_path / "later" / "hbo-2-probabilities.jsonl"
    later.parent.mkdir()
    later.write_text(json.dumps({"step": 600, "global": {"a": 0.9, "b": 0.1}}) + "\n")
    shares = pair_runs.late_shares(f"{tmp_path / 'arm'},{tmp_path / 'later'}", [1, 2], 550)
    assert shares == pytest.approx({"a": 0.6, "b": 0.4})  # (0.3 + 0.9) / 2
    (tmp_path / "later" / "hbo-0-probabilities.jsonl").write_text(later.read_text())
    with pytest.raises(SystemExit, match="2 probability logs of hbo seed 0"):
        pair_runs.late_shares(f"{tmp_path / 'arm'},{tmp_path / 'later'}", [0], 550)
    with pytest.raises(SystemExit, match="seed 0 has no update at or after step 2000"):
        pair_runs.late_shares(str(tmp_path / "arm"), [0], 2000)


def test_pair_runs_share_between_shares_line_and_screen_folders(tmp_path):
    """How fast a run moved samples to a dataset: its share over the updates in a step range, per seed,
    then the mean over seeds; the line a reading prints of it; and where a screen keeps its seeds 0-17
    and its fresh seeds."""
    pair_runs = benchmark_module("pair_runs")
    logs = {0: [(0, 0.1), (200, 0.5), (500, 0.9), (600, 0.2)], 1: [(0, 0.1), (400, 0.3), (1000, 0.9)]}
    write_probability_logs(tmp_path / "arm" / "runs" / "dev-1000", logs)
    # seed 0: (0.1 + 0.5 + 0.9) / 3 = 0.5; seed 1: (0.1 + 0.3) / 2 = 0.2; mean 0.35
    assert pair_runs.share_between(str(tmp_path / "arm"), [0, 1], "a", 0, 500) == pytest.approx(0.35)
    assert pair_runs.share_between(str(tmp_path / "arm"), [0], "b", 550, 1000) == pytest.approx(0.8)
    with pytest.raises(SystemExit, match="seed 0 has no update at steps 700-900"):
        pair_runs.share_between(str(tmp_path / "arm"), [0], "a", 700, 900)
    with pytest.raises(SystemExit, match="0 probability logs of hbo seed 3"):
        pair_runs.share_between(str(tmp_path / "arm"), [3], "a", 0, 500)
    # the same on one line, as the readings print it: the late shares alone, or led by one dataset's early share
    arm = str(tmp_path / "arm")
    assert pair_runs.shares_line("dev, arm", arm, [0]) == "dev, arm, mean share from step 550: a 0.20, b 0.80"
    assert pair_runs.shares_line("dev, arm", arm, [0, 1], early="a") == (
        "dev, arm: a's mean share at steps 0-500 0.35; from step 550: a 0.55, b 0.45")  # seed 1: 0.9 at step 1000
    write_probability_logs(tmp_path / "other", {0: [(0, 0.4), (600, 0.6)]}, ("evens", "x"))
    assert pair_runs.shares_line("c", str(tmp_path / "other"), [0], early="evens") == (
        "c: evens' mean share at steps 0-500 0.40; from step 550: evens 0.60, x 0.40")
    assert pair_runs.screen_folders("S", "dev", [0, 3]) == "S/dev"
    assert pair_runs.screen_folders("S", "dev", [18, 21]) == "S/fresh-dev"
    assert pair_runs.screen_folders("S", "dev", [0, 18]) == "S/dev,S/fresh-dev"


def test_pair_runs_screen_report_reads_the_four_development_mixtures_and_sorts_climb(tmp_path):
    """A screen's reading: each development mixture and the pool against the default's runs (the arm
    is one question ahead on every mixture and seed), then `sort`'s early and late shares on `dev`."""
    pair_runs = benchmark_module("pair_runs")
    for mixture in pair_runs.DEV_MIXTURES:
        write_runs(tmp_path / "arm" / mixture, "hbo", {s: {"sort": [1, 1], "x": [0, 1]} for s in (0, 1)})
        write_runs(tmp_path / "default" / mixture, "hbo", {s: {"sort": [0, 1], "x": [0, 1]} for s in (0, 1)})
    for root, share in (("arm", 0.6), ("default", 0.2)):
        write_probability_logs(tmp_path / root / "dev", {seed: [(0, share), (500, share), (1000, share)] for seed in (0, 1)},
                               ("sort", "x"))
    lines = pair_runs.screen_report(str(tmp_path / "arm"), str(tmp_path / "default"), "arm", "a", [0, 1])
    assert lines[0] == "arm - hbo's default, seeds [0, 1], paired bootstrap interval:"
    assert [line.split(":")[0] for line in lines[1:5]] == list(pair_runs.DEV_MIXTURES)
    assert all("+25.00 [" in line and "sort +50.0, x +0.0" in line for line in lines[1:5])
    assert lines[5].startswith("pooled, seeds 0-1: +25.000 [")
    assert lines[6:] == ["dev, a: sort's mean share at steps 0-500 0.60; from step 550: sort 0.60, x 0.40",
                         "dev, default: sort's mean share at steps 0-500 0.20; from step 550: sort 0.20, x 0.80"]


def test_pair_runs_check_newtask_report_pairs_the_arm_with_each_other_and_says_where_both_settled(tmp_path):
    """A screen's arm on check-newtask: a header, one pair per comparison (seeds 0-5), then the arm's
    and the default's shares, led by the new task's early share when named."""
    pair_runs = benchmark_module("pair_runs")
    seeds = range(6)
    write_runs(tmp_path / "arm", "hbo", {s: {"evens": [1, 1], "x": [0, 1]} for s in seeds})
    write_runs(tmp_path / "default", "hbo", {s: {"evens": [0, 1], "x": [0, 1]} for s in seeds})
    write_runs(tmp_path / "default", "proportional", {s: {"evens": [0, 0], "x": [0, 1]} for s in seeds})
    for root, share in (("arm", 0.3), ("default", 0.5)):
        write_probability_logs(tmp_path / root, {s: [(0, share), (600, share)] for s in seeds}, ("evens", "x"))
    arm, default = str(tmp_path / "arm"), str(tmp_path / "default")
    others = [("hbo (the default)", default), ("proportional", f"{default}:proportional")]
    lines = pair_runs.check_newtask_report("a", arm, default, others, early="evens")
    assert lines[0] == "check-newtask, seeds [0, 1, 2, 3, 4, 5], 400 questions per dataset, paired 95% bootstrap interval:"
    assert lines[1].startswith("a - hbo (the default): +25.00 [") and lines[1].endswith("evens +50.0, x +0.0")
    assert lines[2].startswith("a - proportional: +50.00 [") and lines[2].endswith("evens +100.0, x +0.0")
    assert lines[3:] == ["check-newtask, a: evens' mean share at steps 0-500 0.30; from step 550: evens 0.30, x 0.70",
                         "check-newtask, default: evens' mean share at steps 0-500 0.50; from step 550: evens 0.50, x 0.50"]
    assert pair_runs.check_newtask_report("a", arm, default, others)[3] == (
        "check-newtask, a, mean share from step 550: evens 0.30, x 0.70")


def test_pair_runs_finds_an_oracle_arm_by_name_and_checks_a_rerun_baseline(tmp_path, capsys):
    """A reading names a level_oracle arm without its digest, and stops on two digests of one name; a
    baseline rerun beside the oracle must answer every question as its stored runs did."""
    pair_runs = benchmark_module("pair_runs")
    here, stored = tmp_path / "here", tmp_path / "stored"
    write_runs(here, "hbo-shares-1a2b3c4d", {0: {"x": [1, 0]}})
    write_runs(here, "hbo-shares-wide-0f0f0f0f", {0: {"x": [0, 0]}})  # another arm whose name starts alike
    write_runs(here, "proportional", {0: {"x": [1, 1]}, 1: {"x": [0, 1]}})
    write_runs(stored, "proportional", {0: {"x": [1, 1]}, 1: {"x": [0, 0]}})
    assert pair_runs.oracle_arm(str(here), "hbo-shares") == f"{here}:hbo-shares-1a2b3c4d"
    with pytest.raises(SystemExit, match="under 0 digests"):
        pair_runs.oracle_arm(str(here), "halfway")
    write_runs(here, "hbo-shares-99999999", {0: {"x": [1, 1]}})
    with pytest.raises(SystemExit, match="under 2 digests"):
        pair_runs.oracle_arm(str(here), "hbo-shares")
    pair_runs.check_same_answers(f"{here}:proportional", f"{stored}:proportional", [0], "dropped")
    assert "proportional here gives the stored runs' answers on every question: seeds [0]: [True]" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="dropped"):
        pair_runs.check_same_answers(f"{here}:proportional", f"{stored}:proportional", [0, 1], "dropped")
    assert "seeds [0, 1]: [True, False]" in capsys.readouterr().out


def process_ended(pid: int) -> bool:
    """Whether ``pid`` has exited (a zombie no one has reaped yet counts as exited)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")
def test_a_killed_benchmarks_run_pool_ends_with_it():
    """The parent starts a pool, hands its worker a minute's task and is killed; the worker ends
    within seconds instead of finishing the task (and then waiting for work forever)."""
    parent = subprocess.Popen([sys.executable, "-c", (
        "import multiprocessing, sys, time\n"
        f"sys.path.insert(0, {str(ROOT / 'benchmarks')!r})\n"
        "from run_pool import run_pool\n"
        "if __name__ == '__main__':\n"
        "    pool = run_pool(1)\n"
        "    pool.submit(time.sleep, 60)\n"
        "    while not multiprocessing.active_children():\n"
        "        time.sleep(0.05)\n"
        "    print(multiprocessing.active_children()[0].pid, flush=True)\n"
        "    time.sleep(60)\n")], stdout=subprocess.PIPE, text=True)
    try:
        worker = int(parent.stdout.readline())
        time.sleep(1)  # the worker has started its task
        assert not process_ended(worker)
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 15
    while not process_ended(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    ended = process_ended(worker)
    if not ended:
        os.kill(worker, signal.SIGKILL)
    assert ended, "the pool's worker outlived the killed benchmark"
