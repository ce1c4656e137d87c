"""Plots of the curriculum, with matplotlib (an optional extra), headless by default. Each
function returns the figure and, given a path, also saves it."""
from __future__ import annotations


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise ImportError("plots need matplotlib: pip install 'tinygrad_edu[plot]'") from None
    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        matplotlib.use("Agg")  # headless: no window, works without a display
    import matplotlib.pyplot as plt
    return plt


def plot_history(history, path=None, title: str = "training"):
    """Loss and accuracy per epoch, training against validation where recorded."""
    plt = _pyplot()
    records = history.records if hasattr(history, "records") else dict(history)
    metrics = [m for m in ("loss", "accuracy", "mae") if m in records]
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.6), squeeze=False)
    epochs = records.get("epoch", list(range(1, len(records[metrics[0]]) + 1)))
    for ax, metric in zip(axes[0], metrics):
        ax.plot(epochs, records[metric], marker="o", label="train")
        if f"val_{metric}" in records:
            ax.plot(epochs, records[f"val_{metric}"], marker="s", label="validation")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig
