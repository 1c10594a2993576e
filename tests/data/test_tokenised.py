"""Training examples tokenised into Arrow: the same tokens, labels and counts as encoding one example at
a time, in one process or several, read back from the cache without tokenising again, shared by the
processes of a torchrun job."""
import json
import os
import re
import subprocess
import sys
import textwrap

import pytest

import hbo.data.tokenised as tokenised
from hbo.data.encoding import DatasetReport, encode_examples
from hbo.data.formats import Example
from hbo.data.mixture import FlatTrainSet
from hbo.data.tokenised import tokenise


def examples(n=40):
    out = []
    for i in range(n):
        turns = ({"role": "system", "content": "Be brief."},) if i % 3 == 0 else ()
        out.append(Example(turns + ({"role": "user", "content": f"Reverse the word {'abc' * (i % 7 + 1)}"},),
                           ("cba" * (i % 7 + 1)) + (" and more" * (i % 11))))
    out.append(Example(({"role": "user", "content": "x" * 200},), "too long a prompt"))  # dropped at max_length 64
    return out


@pytest.mark.parametrize("loss_on", ["response", "all"])
def test_arrow_rows_equal_encoding_one_example_at_a_time(demo, tmp_path, loss_on):
    _, tokenizer = demo
    data = examples()
    report = DatasetReport()
    want = encode_examples(data, tokenizer, 64, loss_on, report)
    got, truncated, dropped = tokenise(data, tokenizer, 64, loss_on, tmp_path)
    assert (truncated, dropped) == (report.truncated, report.dropped) and truncated > 0 and dropped == 1
    assert len(got) == len(want)
    for a, b in zip(got, want):
        assert (a.prompt_ids, a.response_ids, a.labels) == (b.prompt_ids, b.response_ids, b.labels)
    assert got.token_count() == sum(len(ex.input_ids) for ex in want)
    assert got.table.features["input_ids"].feature.dtype == "int32"


def test_several_processes_tokenise_the_same_rows(demo, tmp_path):
    _, tokenizer = demo
    data = examples(300)
    one, _, _ = tokenise(data, tokenizer, 64, "response", tmp_path / "one", num_proc=1)
    two, _, _ = tokenise(data, tokenizer, 64, "response", tmp_path / "two", num_proc=2)
    assert one.table["input_ids"] == two.table["input_ids"] and one.key == two.key


def test_a_second_preparation_reads_the_cache(demo, tmp_path, monkeypatch):
    _, tokenizer = demo
    data = examples()
    first, *counts = tokenise(data, tokenizer, 64, "response", tmp_path)

    def refuse(*args, **kwargs):
        raise AssertionError("tokenised again")

    monkeypatch.setattr(tokenised, "_write", refuse)
    again, truncated, dropped = tokenise(data, tokenizer, 64, "all", tmp_path)  # labels differ, tokens do not
    assert again.table["input_ids"] == first.table["input_ids"] and [truncated, dropped] == counts
    assert again[0].labels[:len(again[0].prompt_ids)] == again[0].prompt_ids  # loss on every token
    with pytest.raises(AssertionError, match="tokenised again"):  # another length is another entry
        tokenise(data, tokenizer, 65, "response", tmp_path)
    with pytest.raises(AssertionError, match="tokenised again"):  # so is other data
        tokenise(data[:-2], tokenizer, 64, "response", tmp_path)


def test_the_trainers_rows_are_the_same_from_arrow(demo, tmp_path):
    _, tokenizer = demo
    parts = [tokenise(examples(9), tokenizer, 64, "response", tmp_path)[0],
             tokenise(examples(5)[:-1], tokenizer, 64, "response", tmp_path)[0]]
    flat = FlatTrainSet(parts)
    arrow = flat.as_arrow()
    assert len(arrow) == len(flat) == len(parts[0]) + len(parts[1])
    for i in range(len(flat)):
        row = arrow[i]
        assert {k: list(v) if isinstance(v, list) else v for k, v in row.items()} == flat[i]
    assert flat.examples[len(parts[0])].input_ids == parts[1][0].input_ids  # flat index -> (dataset, row)
    with pytest.raises(IndexError):
        flat.examples[len(flat)]


def test_processes_of_a_torchrun_job_tokenise_once(tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(textwrap.dedent(f"""
        import os
        import hbo.data.tokenised as tokenised
        from hbo.config import ModelConfig
        from hbo.data.formats import Example
        from hbo.model import load_model

        written = tokenised._write
        def counting(*args, **kwargs):
            print("TOKENISED by rank", os.environ["RANK"], flush=True)
            return written(*args, **kwargs)
        tokenised._write = counting
        _, tokenizer = load_model(ModelConfig(name_or_path="demo"))
        data = [Example(({{"role": "user", "content": f"question {{i}}"}},), f"answer {{i}}") for i in range(2000)]
        rows, _, _ = tokenised.tokenise(data, tokenizer, 64, "response", {str(tmp_path / "cache")!r})
        print("ROWS", os.environ["RANK"], len(rows), rows.key, flush=True)
    """))
    out = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", str(script)],
                         capture_output=True, text=True, timeout=300, env=dict(os.environ, OMP_NUM_THREADS="1"))
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.count("TOKENISED by rank") == 1, out.stdout
    # two processes share the pipe: a line of one may land inside another's, so each report is found
    # wherever it sits
    rows = sorted(list(match) for match in re.findall(r"ROWS (\d+) (\d+) (\S+)", out.stdout))
    assert [r[0] for r in rows] == ["0", "1"] and rows[0][1:] == rows[1][1:] == ["2000", rows[0][2]], out.stdout


def test_an_unchanged_file_is_not_read_again(demo, tmp_path, monkeypatch):
    import hbo.data.mixture as mixture_module
    from hbo.config import load_config
    from hbo.data.mixture import encode_mixture, read_mixture

    _, tokenizer = demo
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps({"prompt": f"q{i}", "completion": f"a{i}"}) + "\n" for i in range(50)))
    config = load_config(None, [f"data.datasets=[{{name: d, path: {data}}}]", f"data.cache_dir={tmp_path / 'cache'}",
                                "data.heldout_max=5"]).data
    first_read = read_mixture(config)
    first = encode_mixture(first_read, config, tokenizer)
    reads = []
    real = mixture_module.load_examples
    monkeypatch.setattr(mixture_module, "load_examples", lambda *a, **k: reads.append(a) or real(*a, **k))
    again_read = read_mixture(config)
    again = encode_mixture(again_read, config, tokenizer)
    assert reads == []  # held-out examples, counts and the tokens all came from the cache
    assert again_read[0][2] == first_read[0][2] and again_read[0][3] == first_read[0][3]
    assert [ex.input_ids for ex in again.train[0]] == [ex.input_ids for ex in first.train[0]]
    # a tokenizer setting not seen yet needs the training examples: they are read then, and only then
    config.max_length = 100
    longer = encode_mixture(read_mixture(config), config, tokenizer)
    assert len(reads) == 1 and [ex.input_ids for ex in longer.train[0]] == [ex.input_ids for ex in first.train[0]]
    # a changed file is read again
    data.write_text(data.read_text() + json.dumps({"prompt": "q", "completion": "a"}) + "\n")
    assert len(read_mixture(config)[0][1]) == 46 and len(reads) == 2
