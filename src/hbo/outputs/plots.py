"""Plots of a run's sampling distributions (global and every local one) over training steps."""
from __future__ import annotations

import io
from pathlib import Path

from matplotlib.figure import Figure
from PIL import Image

from hbo.files import atomic_write


def plot_probabilities(records: list[dict], path: str | Path) -> Path:
    """One panel for the global distribution and one per dataset for its levels, like the paper's
    Figure 2: probability against training step."""
    names = list(records[0]["global"])
    steps = [r["step"] for r in records]
    panels = 1 + len(names)
    cols = min(3, panels)
    rows = (panels + cols - 1) // cols
    # A Figure without pyplot: no global backend or figure registry is touched, and it needs no display.
    fig = Figure(figsize=(4.2 * cols, 3.2 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    ax = axes[0][0]
    for name in names:
        ax.plot(steps, [r["global"][name] for r in records], marker=".", label=name)
    ax.set_title("global: P(dataset)")
    ax.legend(fontsize=7)
    for index, name in enumerate(names, start=1):
        ax = axes[index // cols][index % cols]
        for level in records[0]["local"][name]:
            ax.plot(steps, [r["local"][name][level] for r in records], marker=".", label=f"level {level}")
        ax.set_title(f"{name}: P(level)")
        ax.legend(fontsize=7)
    for index in range(panels, rows * cols):
        axes[index // cols][index % cols].axis("off")
    for ax in axes.flat:
        ax.set_xlabel("step")
        ax.set_ylim(0, None)
    fig.tight_layout()
    atomic_write(path, lambda tmp: save_png(fig, tmp))
    return Path(path)


def save_png(fig: Figure, path: Path) -> None:
    """As a 256-colour palette PNG: a line plot's few colours and their antialiased edges look the
    same, and the file is about a third of the full-colour one (benchmark folders keep many)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=110, format="png")
    Image.open(buffer).convert("RGB").quantize(256).save(path, format="PNG", optimize=True)
