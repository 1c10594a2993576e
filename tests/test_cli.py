"""The command line's parsing: config overrides on either side of an option, unknown arguments refused."""
import pytest

from hbo.cli import main


def printed_config(capsys, argv: list[str]) -> str:
    assert main(argv) == 0
    return capsys.readouterr().out


def test_overrides_count_before_and_after_options(capsys, tmp_path):
    around = printed_config(capsys, ["config", "sampling.tilt=7.5", "--output-dir", str(tmp_path), "training.max_steps=7"])
    before = printed_config(capsys, ["config", "sampling.tilt=7.5", "training.max_steps=7", "--output-dir", str(tmp_path)])
    after = printed_config(capsys, ["config", "--output-dir", str(tmp_path), "sampling.tilt=7.5", "training.max_steps=7"])
    assert around == before == after
    assert "tilt: 7.5" in after and "max_steps: 7" in after and f"output_dir: {tmp_path}" in after
    default = printed_config(capsys, ["config"])
    assert "tilt: 7.5" not in default and "max_steps: 7" not in default


def test_an_unknown_argument_is_refused(capsys):
    for argv in (["config", "--no-such-option"], ["config", "sampling.tilt=7.5", "--output-dir", "x", "stray"],
                 ["plot", "run", "sampling.tilt=7.5"]):
        with pytest.raises(SystemExit) as stopped:
            main(argv)
        assert stopped.value.code == 2 and "unrecognized arguments" in capsys.readouterr().err


def test_resume_leaves_an_override_after_it_to_the_config(monkeypatch, tmp_path):
    """``--resume`` takes an optional value: an override written after it is an override, not a checkpoint."""
    import hbo.recipe

    calls = []
    monkeypatch.setattr(hbo.recipe, "train", lambda config, progress, resume, read: calls.append((config, resume)))
    checkpoint = tmp_path / "checkpoint-5"
    checkpoint.mkdir()
    for argv, resume in ((["--resume", "training.max_steps=7"], "latest"),
                         (["training.max_steps=7", "--resume"], "latest"),
                         (["training.max_steps=7", "--resume", str(checkpoint)], str(checkpoint))):
        assert main(["train", "--output-dir", str(tmp_path), *argv]) == 0
        config, got = calls.pop()
        assert got == resume and config.training.max_steps == 7
