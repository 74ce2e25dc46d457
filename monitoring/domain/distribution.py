"""The small per-column distribution preview stored with a drifted column: a shared-edge histogram for numbers,
the top categories' shares otherwise. Pure pandas/numpy, no Django."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from monitoring.domain.profile import NUMERICAL

HIST_BINS = 20
TOP_CATEGORIES = 15


def distribution(kind: str, reference: pd.Series, current: pd.Series) -> dict[str, Any]:
    if kind == NUMERICAL:
        ref = reference.to_numpy(dtype="float64", na_value=np.nan)
        cur = current.to_numpy(dtype="float64", na_value=np.nan)
        ref, cur = ref[np.isfinite(ref)], cur[np.isfinite(cur)]  # +-inf would make every edge inf (as the tests do)
        both = np.concatenate([ref, cur]) if len(ref) + len(cur) else np.array([0.0])
        low, high = float(np.min(both)), float(np.max(both))
        if low == high:
            high = low + 1.0
        edges = np.linspace(low, high, HIST_BINS + 1)
        ref_counts, _ = np.histogram(ref, bins=edges)
        cur_counts, _ = np.histogram(cur, bins=edges)
        return {
            "type": "histogram",
            "edges": edges.tolist(),
            "reference": (ref_counts / max(len(ref), 1)).tolist(),
            "current": (cur_counts / max(len(cur), 1)).tolist(),
        }
    ref_shares = reference.dropna().astype(str).value_counts(normalize=True)
    cur_shares = current.dropna().astype(str).value_counts(normalize=True)
    top = list((ref_shares.add(cur_shares, fill_value=0)).sort_values(ascending=False).index[:TOP_CATEGORIES])
    return {
        "type": "categories",
        "categories": [str(c) for c in top],
        "reference": [float(ref_shares.get(c, 0.0)) for c in top],
        "current": [float(cur_shares.get(c, 0.0)) for c in top],
    }
