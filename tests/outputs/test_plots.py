"""The probability plot: one panel per distribution, saved as a palette PNG that looks like the
full-colour render."""
import io

import numpy as np
from matplotlib.figure import Figure
from PIL import Image

from hbo.outputs.plots import plot_probabilities, save_png


def test_the_plot_has_a_panel_per_distribution_in_a_palette_png(tmp_path):
    records = [{"step": s, "global": {"a": 0.5 + 0.01 * s, "b": 0.5 - 0.01 * s},
                "local": {"a": {"0": 0.3, "1": 0.7}, "b": {"0": 0.5 + 0.02 * s, "1": 0.5 - 0.02 * s}}}
               for s in range(0, 20, 5)]
    saved = Image.open(plot_probabilities(records, tmp_path / "p.png"))
    assert saved.format == "PNG" and saved.mode == "P"
    assert saved.size == (round(3 * 4.2 * 110), round(1 * 3.2 * 110))  # global, a, b: one row of three


def test_the_palette_png_looks_like_the_full_colour_render(tmp_path):
    figure = Figure(figsize=(4, 3))
    ax = figure.subplots()
    for k in range(8):  # more colours than a plot of a mixture uses, antialiased, with a legend
        ax.plot(range(10), [k + 0.3 * i for i in range(10)], marker=".", label=f"level {k}")
    ax.legend(fontsize=7)
    save_png(figure, tmp_path / "p.png")
    buffer = io.BytesIO()
    figure.savefig(buffer, dpi=110, format="png")
    full = np.asarray(Image.open(buffer).convert("RGB"), dtype=float)
    palette = np.asarray(Image.open(tmp_path / "p.png").convert("RGB"), dtype=float)
    assert palette.shape == full.shape
    assert np.abs(palette - full).mean() < 1.0  # of 255 per channel
    assert (tmp_path / "p.png").stat().st_size < buffer.tell()
