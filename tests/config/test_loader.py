import math

import pytest

from hbo.config import ConfigError, load_config


def test_defaults_are_the_demo():
    c = load_config()
    assert c.data.mixture == "demo" and c.model.name_or_path == "demo" and c.sampling.strategy == "hbo"


def test_yaml_then_overrides(tmp_path):
    f = tmp_path / "c.yaml"
    f.write_text("sampling:\n  update_interval: 7\ntraining:\n  max_steps: 11\n")
    c = load_config(f, ["sampling.temperature=inf", "training.learning_rate=1e-4", "output_dir=x"])
    assert (c.sampling.update_interval, c.training.max_steps, c.output_dir) == (7, 11, "x")
    assert math.isinf(c.sampling.temperature) and c.training.learning_rate == 1e-4


def test_several_files_merge_in_order(tmp_path):
    recipe, adapt = tmp_path / "recipe.yaml", tmp_path / "cpu.yaml"
    recipe.write_text("data:\n  datasets:\n    - {name: a, path: a.jsonl}\n  max_length: 512\n"
                      "training:\n  max_steps: 1000\n  learning_rate: 5.0e-5\n")
    adapt.write_text("data:\n  max_length: 128\n  train_fraction: 0.5\ntraining:\n  max_steps: 10\n")
    c = load_config([recipe, adapt], ["training.max_steps=20"])
    assert [d.name for d in c.data.datasets] == ["a"]  # kept from the recipe
    assert (c.data.max_length, c.data.train_fraction) == (128, 0.5)  # replaced by the later file
    assert (c.training.max_steps, c.training.learning_rate) == (20, 5e-5)  # overrides still win
    assert load_config([adapt, recipe]).data.max_length == 512
    with pytest.raises(ConfigError, match="train_fraction must be in"):
        load_config(None, ["data.train_fraction=0"])


def test_datasets_list(tmp_path):
    f = tmp_path / "c.yaml"
    f.write_text("data:\n  datasets:\n    - {name: a, path: a.jsonl}\n    - {name: b, path: b.csv, format: alpaca}\n")
    c = load_config(f)
    assert [d.name for d in c.data.datasets] == ["a", "b"] and c.data.datasets[1].format == "alpaca"


@pytest.mark.parametrize("override,message", [
    ("sampling.update_intervall=5", "unknown config key sampling.update_intervall"),
    ("nonsense=1", "unknown config key nonsense"),
    ("training.max_steps=abc", "training.max_steps must be int"),
    ("scoring.metric=foo", "scoring.metric must be one of"),
    ("sampling.actor_lr=0", "sampling.actor_lr must be > 0"),
    ("sampling.actor_lr_decay=2", r"sampling.actor_lr_decay must be in \[0, 1\]"),
    ("data.loss_on=prompt", "data.loss_on must be one of"),
    ("model.mixed_precision=fp16", "model.mixed_precision must be one of no, bf16"),
    ("data.mixture_heldout=400", "data.heldout_max: 200 scores at most that many"),
])
def test_bad_keys_and_values(override, message):
    with pytest.raises(ConfigError, match=message):
        load_config(None, [override])


def test_gradient_blocks_need_a_gradient_reward():
    with pytest.raises(ConfigError, match="gradient_blocks sets what the gradient rewards' products cover"):
        load_config(None, ["sampling.gradient_blocks=1"])  # the default's reward takes no gradient
    with pytest.raises(ConfigError, match="sampling.gradient_blocks must be >= 1"):
        load_config(None, ["sampling.heldout_credit=attributed", "sampling.gradient_blocks=0"])
    for reward in (["sampling.heldout_credit=attributed"], ["sampling.global_reward=transfer"],
                   ["sampling.global_reward=alignment"]):
        assert load_config(None, reward + ["sampling.gradient_blocks=2"]).sampling.gradient_blocks == 2


def test_mixed_precision_needs_float32_weights():
    assert load_config(None, ["model.mixed_precision=bf16"]).model.mixed_precision == "bf16"
    with pytest.raises(ConfigError, match="model.mixed_precision: bf16 keeps float32 weights"):
        load_config(None, ["model.mixed_precision=bf16", "model.dtype=bfloat16"])


def test_duplicate_dataset_names(tmp_path):
    f = tmp_path / "c.yaml"
    f.write_text("data:\n  datasets:\n    - {name: a, path: a.jsonl}\n    - {name: a, path: b.jsonl}\n")
    with pytest.raises(ConfigError, match="duplicate dataset names"):
        load_config(f)


def test_missing_file():
    with pytest.raises(ConfigError, match="config file not found"):
        load_config("/nonexistent/c.yaml")


def test_config_reference_doc_is_current():
    from pathlib import Path

    from hbo.config.reference import embedded_table, render

    doc = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text()
    assert embedded_table(doc).strip() == render().strip(), "run `python -m hbo.config.reference --write docs/configuration.md`"


def test_example_configs_load():
    from pathlib import Path

    examples = Path(__file__).resolve().parents[2] / "examples"
    for path in examples.glob("*.yaml"):
        load_config(path)
    for setup in ("multilingual", "multitask"):  # each recipe, and its CPU mode
        c = load_config([examples / f"smollm2-{setup}.yaml", examples / "cpu.yaml"])
        assert c.model.name_or_path == "models/smollm2" and len(c.data.datasets) == (8 if setup == "multilingual" else 4)
        assert c.training.max_steps < load_config(examples / f"smollm2-{setup}.yaml").training.max_steps


def test_the_demo_example_is_the_default_spelled_out():
    """examples/demo.yaml says it equals ``hbo train`` with no arguments: it must, key for key."""
    from pathlib import Path

    assert load_config(Path(__file__).resolve().parents[2] / "examples" / "demo.yaml") == load_config()


def test_presets_measure_the_weights_as_trained_and_draw_from_the_actor():
    """The paper and the authors' code read every reward off the model as trained (no weight average)
    and draw datasets from the global actor as it stands (not from the mean of its distributions)."""
    assert load_config().sampling.probe_average == 0.98
    assert load_config().sampling.global_draw == "average"
    for preset in ("paper", "reference"):
        assert load_config(None, [f"preset={preset}"]).sampling.probe_average is None
        assert load_config(None, [f"preset={preset}"]).sampling.global_draw == "actor"
    assert load_config(None, ["preset=paper", "sampling.probe_average=0.9"]).sampling.probe_average == 0.9


def test_the_presets_table_names_every_key_a_preset_sets_other_than_hbos_default():
    """docs/configuration.md's presets table is hand-written: a key a preset sets away from hbo's
    default (``global_draw`` was once left out) must have its row there."""
    from hbo.config.loader import PRESETS
    from tests.helpers.docs import DOCS, first_cell_names

    doc = (DOCS / "configuration.md").read_text()
    named = first_cell_names(doc[doc.index("## Presets"):doc.index("Two things hbo does differently")])
    default = load_config()
    for preset, sections in PRESETS.items():
        changed = load_config(None, [f"preset={preset}"])
        for section, values in sections.items():
            for key in values:
                if getattr(getattr(changed, section), key) != getattr(getattr(default, section), key):
                    assert f"{section}.{key}" in named or key in named, (preset, f"{section}.{key}")


def test_reference_preset_fills_only_what_you_leave_unset(tmp_path):
    c = load_config(None, ["preset=reference"])
    assert (c.sampling.actor_lr, c.sampling.update_interval, c.sampling.min_probability) == (1e-4, 200, 0.0)
    f = tmp_path / "c.yaml"
    f.write_text("preset: reference\nsampling:\n  update_interval: 50\n")
    c = load_config(f, ["sampling.actor_lr=0.5"])
    assert (c.sampling.actor_lr, c.sampling.update_interval, c.sampling.actor_steps) == (0.5, 50, 200)
    assert load_config().sampling.actor_lr == 1e-3  # no preset: hbo's defaults
    with pytest.raises(ConfigError, match="unknown preset 'authors'"):
        load_config(None, ["preset=authors"])


def test_paper_and_reference_presets_differ_only_where_the_code_differs_from_the_paper():
    paper, reference = load_config(None, ["preset=paper"]), load_config(None, ["preset=reference"])
    assert (paper.sampling.temperature, paper.sampling.update_interval, paper.sampling.actor_lr) == (1.0, 200, 1e-4)
    assert (paper.scoring.metric, paper.scoring.num_levels, paper.sampling.reward_ema) == ("ifd", 4, None)
    assert (paper.data.loss_on, paper.sampling.reward_tokens, paper.sampling.local_updates) == ("response", "response", 1)
    assert (reference.data.loss_on, reference.sampling.reward_tokens, reference.sampling.local_updates) == ("all", "all", 4)
    paper.data.loss_on, paper.sampling.reward_tokens, paper.sampling.local_updates = "all", "all", 4
    paper.preset = "reference"
    assert paper == reference


def test_prior_temperature_per_strategy():
    assert load_config(None, ["sampling.strategy=temperature"]).sampling.prior_temperature() == 10.0  # the paper's Temp.
    assert load_config().sampling.prior_temperature() == 1.0
    assert load_config(None, ["sampling.temperature=inf"]).sampling.prior_temperature() == float("inf")
    with pytest.raises(ConfigError, match="sampling.mos.reward must be one of transferability, difficulty"):
        load_config(None, ["sampling.mos.reward=novelty"])


@pytest.mark.parametrize("overrides, message", [
    (["sampling.reward_source=train", "sampling.strategy=mos"], "is for hbo"),
    (["sampling.reward_source=train", "sampling.local_reward=ifd"], "response-alone pass"),
    (["sampling.reward_source=online"], "reward_source"),
    (["sampling.gradient_norms=vmap"], "gradient_norms"),
    (["sampling.online_norm_steps=0"], "online_norm_steps"),
])
def test_online_reward_settings_are_checked(overrides, message):
    with pytest.raises(ConfigError, match=message):
        load_config(None, overrides)


def test_static_strategies_accept_online_rewards_they_never_read():
    # a recipe with reward_source: train (examples/cpu.yaml) can be rerun with a static baseline
    for strategy in ("proportional", "temperature", "uniform"):
        assert load_config(None, ["sampling.reward_source=train", f"sampling.strategy={strategy}"]).sampling.strategy == strategy


def test_relative_dataset_paths_are_read_beside_the_config_file(tmp_path, monkeypatch):
    folder = tmp_path / "project"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "a.jsonl").write_text('{"prompt": "q", "completion": "a"}\n')
    (folder / "run.yaml").write_text("data:\n  datasets:\n    - {name: a, path: data/a.jsonl}\n"
                                     "    - {name: b, path: org/hub-dataset}\n")
    monkeypatch.chdir(tmp_path)  # elsewhere: data/a.jsonl does not exist here
    config = load_config(folder / "run.yaml")
    assert config.data.datasets[0].path == str(folder / "data" / "a.jsonl")
    assert config.data.datasets[1].path == "org/hub-dataset"  # nothing beside the file: kept as written
    assert config.data.mixture is None  # the built-in mixture is ignored beside datasets, and says so


@pytest.mark.parametrize("overrides, message", [
    (["sampling.strategy=fixed"], "fixed needs each dataset's share, by name"),
    (["sampling.shares={a: 1}"], "sampling.shares sets the mix of strategy fixed; hbo sets its own"),
    (["sampling.strategy=fixed", "sampling.shares={a: 1, b: -1}"], "a weight >= 0 for each dataset"),
    (["sampling.strategy=fixed", "sampling.shares={a: 0, b: 0}"], "not all 0"),
    (["sampling.strategy=fixed", "sampling.shares={}"], "a weight >= 0 for each dataset"),
    (["sampling.strategy=fixed", "sampling.shares={a: lots}"], "sampling.shares.a must be float"),
    (["sampling.strategy=fixed", "sampling.shares=[1, 2]"], "sampling.shares must be a mapping"),
])
def test_fixed_shares_are_checked(overrides, message):
    with pytest.raises(ConfigError, match=message):
        load_config(None, overrides)


def test_fixed_shares_are_read_as_numbers():
    """YAML 1.1 reads 1e-3 as a string; a share is a float either way (its names are checked against the
    mixture's datasets when the run starts: tests/integration/test_static_without_scoring.py)."""
    shares = load_config(None, ["sampling.strategy=fixed", "sampling.shares={a: 1e-3, b: 2}"]).sampling.shares
    assert shares == {"a": 0.001, "b": 2.0} and all(type(v) is float for v in shares.values())
