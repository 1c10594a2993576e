"""Record formats: every supported layout is turned into (prompt messages, response text).

Supported: chat ``messages`` (the last turn must be the assistant's response), alpaca
``instruction`` / ``input`` / ``output``, and ``prompt`` / ``completion`` (``prompt`` may be a string
or a list of messages). ``auto`` picks the format from the record's keys.
"""
from __future__ import annotations

from dataclasses import dataclass

from hbo.config.schema import DataFormat, choices
from hbo.errors import DataError

FORMATS = choices(DataFormat)


@dataclass(frozen=True)
class Example:
    prompt: tuple[dict, ...]  # chat messages before the response: ({"role": ..., "content": ...}, ...)
    response: str


def detect_format(record: dict, where: str) -> str:
    if "messages" in record:
        return "chat"
    if "instruction" in record and "output" in record:
        return "alpaca"
    if "prompt" in record and "completion" in record:
        return "prompt_completion"
    raise DataError(f"{where}: cannot tell the format from fields {sorted(record)}; expected "
                    "'messages', 'instruction'+'output', or 'prompt'+'completion'")


def to_example(record: dict, fmt: str, where: str) -> Example:
    """Normalise one record; ``where`` (e.g. ``data.jsonl:12``) prefixes every error."""
    if not isinstance(record, dict):
        raise DataError(f"{where}: expected a JSON object, got {type(record).__name__}")
    if fmt == "auto":
        fmt = detect_format(record, where)
    if fmt == "chat":
        return _from_chat(record, where)
    if fmt == "alpaca":
        instruction = _text(record, "instruction", where)
        extra = record.get("input") or ""
        if not isinstance(extra, str):
            raise DataError(f"{where}: field 'input' must be a string")
        content = f"{instruction}\n\n{extra}" if extra.strip() else instruction
        return Example(({"role": "user", "content": content},), _text(record, "output", where))
    if fmt == "prompt_completion":
        prompt = record.get("prompt")
        if isinstance(prompt, list):
            messages = tuple(_message(m, f"{where}: field 'prompt'[{j}]") for j, m in enumerate(prompt))
            if not messages:
                raise DataError(f"{where}: field 'prompt' is an empty list")
        else:
            messages = ({"role": "user", "content": _text(record, "prompt", where)},)
        return Example(messages, _text(record, "completion", where))
    raise DataError(f"{where}: unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def _from_chat(record: dict, where: str) -> Example:
    messages = record.get("messages")
    if not isinstance(messages, list) or len(messages) < 2:
        raise DataError(f"{where}: field 'messages' must be a list of at least two messages")
    turns = [_message(m, f"{where}: field 'messages'[{j}]") for j, m in enumerate(messages)]
    if turns[-1]["role"] != "assistant":
        raise DataError(f"{where}: field 'messages' must end with an assistant message (the response)")
    if turns[-1]["content"].strip() == "":
        raise DataError(f"{where}: field 'messages' has an empty final assistant message")
    return Example(tuple(turns[:-1]), turns[-1]["content"])


def _message(m: object, where: str) -> dict:
    if not isinstance(m, dict) or not isinstance(m.get("role"), str) or not isinstance(m.get("content"), str):
        raise DataError(f"{where} must be an object with string 'role' and 'content'")
    return {"role": m["role"], "content": m["content"]}


def _text(record: dict, field: str, where: str) -> str:
    if field not in record or record[field] is None:
        raise DataError(f"{where}: missing field '{field}'")
    value = record[field]
    if not isinstance(value, str):
        raise DataError(f"{where}: field '{field}' must be a string, got {type(value).__name__}")
    if field in ("output", "completion") and value.strip() == "":
        raise DataError(f"{where}: field '{field}' is empty")
    return value
