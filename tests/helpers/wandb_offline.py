"""Read back what an offline W&B run recorded: its ``run-*.wandb`` file is a record log (32 KiB blocks
of chunks, each with a 7-byte header: checksum, length, kind), every record a ``wandb_internal``
protobuf. Only history records are read: one dict of logged values per ``log`` call.

``wandb.finish()`` can return before W&B's service process has written the run's last records, so the
reader waits for the ``exit`` record that closes every finished run before trusting the history."""
import json
import struct
import time
from pathlib import Path

BLOCK = 32 * 1024
HEADER = 7  # both the file's own header and each chunk's
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4


def history(run_file: Path, timeout_s: float = 60.0) -> list[dict]:
    deadline = time.monotonic() + timeout_s
    while not (records := _records(run_file)) or records[-1].WhichOneof("record_type") != "exit":
        if time.monotonic() > deadline:
            raise AssertionError(f"{run_file} has no exit record {timeout_s:.0f} s after wandb.finish()")
        time.sleep(0.2)
    return [{item.key or "/".join(item.nested_key): json.loads(item.value_json) for item in record.history.item}
            for record in records if record.WhichOneof("record_type") == "history"]


def _records(run_file: Path) -> list:
    from wandb.proto import wandb_internal_pb2

    raw = Path(run_file).read_bytes()
    assert raw[:4] == b":W&B", f"{run_file} is not a W&B run file"
    chunks, pending, pos = [], b"", HEADER
    while pos + HEADER <= len(raw):
        if BLOCK - pos % BLOCK < HEADER:  # a block's tail too short for a header is padding
            pos += BLOCK - pos % BLOCK
            continue
        _, length, kind = struct.unpack("<IHB", raw[pos:pos + HEADER])
        if kind == 0 and length == 0:  # zero padding: the end of what was written
            break
        if pos + HEADER + length > len(raw):  # a chunk still being written
            break
        pending += raw[pos + HEADER:pos + HEADER + length]
        pos += HEADER + length
        if kind in (FULL, LAST):
            chunks.append(pending)
            pending = b""
    records = []
    for data in chunks:
        record = wandb_internal_pb2.Record()
        record.ParseFromString(data)
        records.append(record)
    return records
