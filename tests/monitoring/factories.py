"""Monitoring test factories: data frames (a reference, or a batch shifted by ``shift``) and their CSV bytes."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd


def make_frame(n: int = 400, *, shift: float = 0.0, seed: int = 1, with_quality: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "age": rng.normal(40 + shift * 10, 10, n).round(1),
            "income": rng.lognormal(10 + shift, 0.5, n).round(2),
            "score": rng.uniform(0, 1 + shift, n),
            "city": rng.choice(["paris", "lyon", "nice"] if not shift else ["paris", "lille", "brest"], n),
        }
    )
    if with_quality:
        frame["label"] = (frame["score"] > 0.5).astype(int)
        frame["pred"] = ((frame["score"] + rng.normal(0, 0.1 + shift, n)) > 0.5).astype(int)
    return frame


def csv_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode()
