import json

import pytest

from hbo.data.formats import DataError, to_example
from hbo.data.loading import load_examples, split_heldout


def test_three_formats_normalise_alike():
    chat = to_example({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]},
                      "auto", "x")
    alpaca = to_example({"instruction": "q", "input": "", "output": "a"}, "auto", "x")
    pc = to_example({"prompt": "q", "completion": "a"}, "auto", "x")
    assert chat == alpaca == pc
    assert to_example({"instruction": "q", "input": "ctx", "output": "a"}, "alpaca", "x").prompt[0]["content"] == "q\n\nctx"


def write(path, lines):
    path.write_text("".join(line + "\n" for line in lines))
    return str(path)


def test_jsonl_malformed_line_reported_with_number(tmp_path):
    good = json.dumps({"prompt": "q", "completion": "a"})
    path = write(tmp_path / "d.jsonl", [good, good, "{not json", good])
    with pytest.raises(DataError, match=r"d.jsonl:3: malformed JSON"):
        load_examples(path)


def test_missing_field_names_line_and_field(tmp_path):
    path = write(tmp_path / "d.jsonl", [json.dumps({"prompt": "q", "completion": "a"}),
                                        json.dumps({"prompt": "q"})])
    with pytest.raises(DataError, match=r"d.jsonl:2: cannot tell the format"):
        load_examples(path)
    with pytest.raises(DataError, match=r"d.jsonl:2: missing field 'completion'"):
        load_examples(path, "prompt_completion")


def test_wrong_type_and_empty_response(tmp_path):
    path = write(tmp_path / "d.jsonl", [json.dumps({"instruction": "q", "output": 5})])
    with pytest.raises(DataError, match=r"d.jsonl:1: field 'output' must be a string"):
        load_examples(path)
    path = write(tmp_path / "e.jsonl", [json.dumps({"prompt": "q", "completion": "  "})])
    with pytest.raises(DataError, match=r"e.jsonl:1: field 'completion' is empty"):
        load_examples(path)


def test_chat_must_end_with_assistant(tmp_path):
    path = write(tmp_path / "d.jsonl", [json.dumps({"messages": [{"role": "user", "content": "q"},
                                                                 {"role": "user", "content": "q"}]})])
    with pytest.raises(DataError, match="must end with an assistant message"):
        load_examples(path)


def test_empty_dataset(tmp_path):
    with pytest.raises(DataError, match="the dataset is empty"):
        load_examples(write(tmp_path / "d.jsonl", []))


def test_unknown_format(tmp_path):
    path = write(tmp_path / "d.jsonl", [json.dumps({"prompt": "q", "completion": "a"})])
    with pytest.raises(DataError, match="unknown format 'sharegpt'"):
        load_examples(path, "sharegpt")


def test_missing_and_unsupported_files(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        load_examples(str(tmp_path / "nope.jsonl"))
    (tmp_path / "d.txt").write_text("x")
    with pytest.raises(DataError, match="unsupported file type"):
        load_examples(str(tmp_path / "d.txt"))


def test_csv_parquet_and_json_go_through_datasets(tmp_path):
    import datasets

    rows = [{"prompt": f"q{i}", "completion": f"a{i}"} for i in range(5)]
    ds = datasets.Dataset.from_list(rows)
    ds.to_csv(str(tmp_path / "d.csv"))
    ds.to_parquet(str(tmp_path / "d.parquet"))
    (tmp_path / "d.json").write_text(json.dumps(rows))
    for name in ("d.csv", "d.parquet", "d.json"):
        examples = load_examples(str(tmp_path / name))
        assert [e.response for e in examples] == [f"a{i}" for i in range(5)]
    (tmp_path / "bad.csv").write_text("prompt,completion\nq,\n")
    with pytest.raises(DataError, match=r"bad.csv: row 1: missing field 'completion'"):
        load_examples(str(tmp_path / "bad.csv"))


def test_heldout_split_seeded_and_disjoint():
    examples = [to_example({"prompt": str(i), "completion": "a"}, "auto", "x") for i in range(50)]
    train, held = split_heldout(examples, 0.2, 100, seed=0)
    assert len(held) == 10 and len(train) == 40
    assert not {e.prompt[0]["content"] for e in train} & {e.prompt[0]["content"] for e in held}
    assert split_heldout(examples, 0.2, 100, seed=0) == (train, held)
    assert split_heldout(examples[:1], 0.5, 100, seed=0)[0] == examples[:1]


def test_dataset_folder_goes_through_the_hub_loader(tmp_path):
    """A folder laid out like a hub dataset repository is read by the hub code path, offline."""
    import datasets

    folder = tmp_path / "my-dataset" / "data"
    folder.mkdir(parents=True)
    datasets.Dataset.from_list([{"instruction": f"q{i}", "output": f"a{i}"} for i in range(3)]).to_parquet(
        str(folder / "train-00000-of-00001.parquet"))
    examples = load_examples(str(tmp_path / "my-dataset"), split="train")
    assert [e.response for e in examples] == ["a0", "a1", "a2"]
    with pytest.raises(DataError, match="could not be loaded as a dataset folder or hub dataset"):
        load_examples(str(tmp_path / "my-dataset"), split="validation")


@pytest.mark.parametrize("files, taken_as", [({"a.png": b"not a png", "b.png": b"nor this"}, "imagefolder"),
                                             ({"a.txt": b"hello\n", "notes.md": b"x\n"}, "text")])
def test_a_folder_that_is_not_a_dataset_is_one_clear_error(tmp_path, files, taken_as):
    folder = tmp_path / "data"
    folder.mkdir()
    for name, content in files.items():
        (folder / name).write_bytes(content)
    with pytest.raises(DataError, match=rf"{folder}: a folder that Hugging Face datasets reads as {taken_as} files"):
        load_examples(str(folder))


def test_a_missing_file_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError, match=rf"looked for {tmp_path / 'data' / 'a.jsonl'}"):
        load_examples("data/a.jsonl")
