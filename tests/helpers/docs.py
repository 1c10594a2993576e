"""Read the hand-written tables of the docs, so tests can hold them against what the code does."""
import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"


def first_cell_names(table: str) -> set[str]:
    """The backticked names (``a_b`` or ``section.key``) in the first cell of every row of ``table``
    whose first cell names one: the keys a reference table documents."""
    cells = [row.split(" | ")[0] for row in table.splitlines() if row.startswith("| `")]
    return {name for cell in cells for name in re.findall(r"`([a-z_.]+)`", cell)}
