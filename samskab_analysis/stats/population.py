"""Who the numbers are about: shares of the 10 respondents carried over to the people the report speaks of.

The survey is a census: 12 people were invited and 10 answered; the report's target group is the 15 course
participants from public libraries (3 had left municipal libraries and were not invited).  For a share of
``count`` out of the ``n`` respondents and a frame of ``size`` people:

* **Manski bounds** (no assumption about the non-respondents): the frame's share lies between
  count / size (every non-respondent answers otherwise) and (count + size - n) / size (every one answers so).
  Figure 2's 90 % (9 of 10) is 75-92 % of the 12 invited.
* **Finite-population exact interval** (only if the respondents are a simple random sample of the frame, i.e.
  non-response is unrelated to the answer): the number K of people in the frame with the answer is inverted
  from the hypergeometric distribution like Clopper-Pearson inverts the binomial: K_low is the smallest K with
  P(X >= count | K) > alpha / 2, K_high the largest with P(X <= count | K) > alpha / 2.  It always lies inside
  the Manski bounds.

Frame sizes come from ``data/raw/published/design.csv`` (``invited``, ``participants_public_libraries``).
"""

from __future__ import annotations

import pandas as pd
from scipy.stats import hypergeom

from samskab_analysis.data.published import design_int
from samskab_analysis.stats.intervals import share_sets
from samskab_analysis.study import Study

#: frame id -> (design.csv key, description)
FRAMES = {
    "invited": ("invited", "the 12 invited (a census; 2 did not answer)"),
    "public_library_participants": (
        "participants_public_libraries",
        "the 15 course participants from public libraries (the report's target group; 3 not invited)",
    ),
}


def manski_bounds(count: int, n: int, size: int) -> tuple[float, float]:
    """Share of a frame of *size* people, whatever the *size* - *n* non-respondents would have answered."""
    if not 0 <= count <= n <= size:
        raise ValueError(f"need 0 <= count ({count}) <= n ({n}) <= frame size ({size})")
    return count / size, (count + size - n) / size


def hypergeometric_interval(count: int, n: int, size: int, alpha: float = 0.05) -> tuple[int, int]:
    """Exact (1 - alpha) interval for the head count K in the frame, if the *n* respondents were a random sample."""
    lo_k, hi_k = manski_bounds(count, n, size)
    candidates = range(round(lo_k * size), round(hi_k * size) + 1)
    low = min(k for k in candidates if hypergeom(size, k, n).sf(count - 1) > alpha / 2)
    high = max(k for k in candidates if hypergeom(size, k, n).cdf(count) > alpha / 2)
    return low, high


def frame_table(study: Study, alpha: float = 0.05) -> pd.DataFrame:
    """For every share the report uses (and each item's top-2-box): its value among the respondents and, per
    frame, the Manski bounds and the finite-population exact interval (as shares of the frame).

    Columns: item_id, share_id, categories, count, n, share, frame, frame_size, manski_lower, manski_upper,
    exact_lower, exact_upper, frame_note.  Needs the design numbers (published study); respondent-level data
    without them gives an empty table.
    """
    if study.design is None:
        return pd.DataFrame()
    rows = []
    for _, s in share_sets(study).iterrows():
        part = study.item_counts(s["item_id"])
        n = int(part["count"].sum())
        count = int(part.loc[part["category_id"].isin(s["_categories"]), "count"].sum())
        for frame, (key, note) in FRAMES.items():
            size = design_int(study.design, key)
            lo, hi = manski_bounds(count, n, size)
            k_lo, k_hi = hypergeometric_interval(count, n, size, alpha)
            rows.append(
                {
                    "item_id": s["item_id"],
                    "share_id": s["share_id"],
                    "categories": s["categories"],
                    "count": count,
                    "n": n,
                    "share": count / n,
                    "frame": frame,
                    "frame_size": size,
                    "manski_lower": lo,
                    "manski_upper": hi,
                    "exact_lower": k_lo / size,
                    "exact_upper": k_hi / size,
                    "frame_note": note,
                }
            )
    return pd.DataFrame(rows)
