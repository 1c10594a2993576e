"""Read back what an offline W&B run recorded: its ``run-*.wandb`` file is a record log (32 KiB blocks
of chunks, each with a 7-byte header: checksum, length, kind), every record a ``wandb_internal``
protobuf. Only history records are read: one dict of logged values per ``log`` call."""
import json
import struct
from pathlib import Path

BLOCK = 32 * 1024
HEADER = 7  # both the file's own header and each chunk's
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4


def history(run_file: Path) -> list[dict]:
    from wandb.proto import wandb_internal_pb2

    raw = Path(run_file).read_bytes()
    assert raw[:4] == b":W&B", f"{run_file} is not a W&B run file"
    records, pending, pos = [], b"", HEADER
    while pos + HEADER <= len(raw):
        if BLOCK - pos % BLOCK < HEADER:  # a block's tail too short for a header is padding
            pos += BLOCK - pos % BLOCK
            continue
        _, length, kind = struct.unpack("<IHB", raw[pos:pos + HEADER])
        if kind == 0 and length == 0:  # zero padding: the end of what was written
            break
        pending += raw[pos + HEADER:pos + HEADER + length]
        pos += HEADER + length
        if kind in (FULL, LAST):
            records.append(pending)
            pending = b""
    rows = []
    for data in records:
        record = wandb_internal_pb2.Record()
        record.ParseFromString(data)
        if record.WhichOneof("record_type") == "history":
            rows.append({item.key or "/".join(item.nested_key): json.loads(item.value_json)
                         for item in record.history.item})
    return rows
