"""Figures as PNG bytes (matplotlib, from the ``[eval]`` extra; Agg backend, no display)."""

from __future__ import annotations

import io
from typing import Any


def has_matplotlib() -> bool:
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None


def training_curves_png(history: list[dict[str, Any]], title: str = "") -> bytes:
    """Training loss per epoch (log scale) beside validation AP/AP50/PCK per validated epoch.

    ``history``: ``train_log.json``'s list of ``{"epoch", "loss", "val"?: {"AP", ...}}``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_loss, ax_val) = plt.subplots(1, 2, figsize=(10, 3.8), dpi=100)
    epochs = [h["epoch"] for h in history]
    ax_loss.plot(epochs, [h["loss"] for h in history], color="tab:blue")
    ax_loss.set_yscale("log")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("training loss (weighted heatmap MSE)")
    ax_loss.grid(alpha=0.3)
    validated = [h for h in history if "val" in h]
    for key, colour in (("AP", "tab:red"), ("AP50", "tab:orange"), ("PCK_bbox", "tab:green")):
        points = [(h["epoch"], h["val"][key]) for h in validated if key in h["val"]]
        if points:
            xs, ys = zip(*points)
            ax_val.plot(xs, ys, marker="o", markersize=3, color=colour, label=key)
    ax_val.set_xlabel("epoch")
    ax_val.set_ylabel("validation (ground-truth boxes)")
    ax_val.set_ylim(0, 1)
    ax_val.grid(alpha=0.3)
    if validated:
        ax_val.legend(loc="lower right")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()
