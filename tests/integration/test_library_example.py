"""The README's library example, run exactly as it is written there."""
import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_example() -> str:
    text = README.read_text()
    block = text[text.index("<!-- library-example:start -->"): text.index("<!-- library-example:end -->")]
    return re.search(r"```python\n(.*?)```", block, re.S).group(1)


def test_readme_library_example_runs_as_written(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # its output_dir is relative
    namespace: dict = {}
    exec(compile(readme_example(), str(README), "exec"), namespace)
    trainer, mix = namespace["trainer"], namespace["mix"]
    assert trainer.state.global_step == 60
    records = mix.controller.log.records
    assert [r["step"] for r in records] == [0, 50]  # the prior, then one update at step 50
    assert records[1]["global"] != records[0]["global"]  # the actor moved
    assert (tmp_path / "runs" / "library" / "probabilities.jsonl").is_file()
    assert "tensor(" in capsys.readouterr().out
