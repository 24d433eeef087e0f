"""The daily progress bar of corridor's runs (Flee cases and scenarios)."""

from __future__ import annotations


def progress_bar(total: int, enabled: bool, desc: str):
    """A tqdm bar over ``total`` days (a notebook widget in Jupyter, text in a terminal), or
    ``None`` when ``enabled`` is false or tqdm is missing."""
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return None
    return tqdm(total=total, desc=desc, unit="day", leave=False)
