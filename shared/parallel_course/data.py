"""The course's data sets, in the repository's ``data/`` folder."""

from pathlib import Path

import pandas as pd

DATA_DIR = Path(__file__).resolve().parents[2] / "data"


def data_path(name: str) -> Path:
    """The path of a file in ``data/``; a clear error if it is missing."""
    path = DATA_DIR / name
    if not path.exists():
        available = sorted(p.name for p in DATA_DIR.iterdir()) if DATA_DIR.exists() else []
        raise ValueError(f"name must be a file in {DATA_DIR}, got {name!r}; available: {available}")
    return path


def load_reviews() -> pd.DataFrame:
    """Product reviews: id, product, rating, text, label ('positive' or 'negative')."""
    return pd.read_csv(data_path("reviews.csv"))


def load_tickets() -> pd.DataFrame:
    """Support tickets: id, channel, text, category, priority."""
    return pd.read_csv(data_path("tickets.csv"))
