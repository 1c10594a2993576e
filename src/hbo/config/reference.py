"""Renders the config reference (every key, its default and its comment in ``schema.py``) as the
Markdown table docs/configuration.md embeds; a test keeps the two in step.

    python -m hbo.config.reference --write docs/configuration.md"""
from __future__ import annotations

import dataclasses
import inspect
import re
import typing

from hbo.config import schema as config_module

SECTIONS = [("", config_module.Config), ("model", config_module.ModelConfig),
            ("model.lora", config_module.LoraSettings), ("data", config_module.DataConfig),
            ("data.datasets[]", config_module.DatasetConfig), ("scoring", config_module.ScoringConfig),
            ("sampling", config_module.SamplingConfig), ("sampling.multidds", config_module.MultiDDSConfig),
            ("sampling.mos", config_module.MoSConfig), ("sampling.multiuat", config_module.MultiUATConfig),
            ("sampling.odm", config_module.ODMConfig),
            ("training", config_module.TrainingConfig),
            ("eval", config_module.EvalConfig)]
FIELD_LINE = re.compile(r"^\s+(\w+): [^=#]+?(?:= (?P<default>[^#]+?))?\s*(?:#\s*(?P<doc>.*))?$")


def field_docs(cls) -> dict[str, tuple[str, str]]:
    docs = {}
    for line in inspect.getsource(cls).splitlines():
        m = FIELD_LINE.match(line)
        if m:
            docs[m.group(1)] = ((m.group("default") or "required").strip(), (m.group("doc") or "").strip())
    return docs


def render() -> str:
    rows = ["| key | default | meaning |", "| --- | --- | --- |"]
    for prefix, cls in SECTIONS:
        docs = field_docs(cls)
        hints = typing.get_type_hints(cls, vars(config_module))
        for f in dataclasses.fields(cls):
            if dataclasses.is_dataclass(hints[f.name]):
                continue
            default, doc = docs.get(f.name, ("", ""))
            if default.startswith("field(default_factory=list"):
                default = "[]"
            elif default.startswith("field(default_factory=dict"):
                default = "{}"
            elif default.startswith("field(default_factory=lambda: "):
                default = default[len("field(default_factory=lambda: "):-1]
            key = f"{prefix}.{f.name}" if prefix else f.name
            rows.append(f"| `{key}` | `{default}` | {doc} |")
    return "\n".join(rows)


START, END = "<!-- config-reference:start -->\n", "<!-- config-reference:end -->"


def embedded_table(text: str) -> str:
    return text[text.index(START) + len(START): text.index(END)]


def write(path: str) -> None:
    from pathlib import Path

    doc = Path(path)
    text = doc.read_text()
    doc.write_text(text.replace(embedded_table(text), render() + "\n"))


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] == ["--write"]:
        write(sys.argv[2] if len(sys.argv) > 2 else "docs/configuration.md")
    else:
        print(render())
