"""Who the numbers are about: shares of the 10 respondents carried over to the people the report speaks of.

The survey is a census: 12 people were invited and 10 answered; the report's target group is the 15 course
participants from public libraries (3 had left municipal libraries and were not invited).  For a share of
``count`` out of the ``n`` respondents and a frame of ``size`` people:

* **Manski bounds** (no assumption about the non-respondents): the frame's share lies between
  count / size (every non-respondent answers otherwise) and (count + size - n) / size (every one answers so).
  Figure 2's 90 % (9 of 10, stated) is 75-92 % of the 12 invited.
* **Finite-population exact interval** (only if the respondents are a simple random sample of the frame, i.e.
  non-response is unrelated to the answer): the number K of people in the frame with the answer is inverted
  from the hypergeometric distribution like Clopper-Pearson inverts the binomial: K_low is the smallest K with
  P(X >= count | K) > alpha / 2, K_high the largest with P(X <= count | K) > alpha / 2.  It always lies inside
  the Manski bounds.

**Which bounds need no assumption.**  For the published study the respondents' count of a share is itself
only known up to the tables consistent with the report (``count_range``), so the bounds that need no
assumption at all (``manski_lower``/``manski_upper``) range over every consistent table *and* every answer of
the non-respondents: lowest count / size to (highest count + size - n) / size.  Figure 5's top-2 share is
25-100 % of the 12 invited.  The same bounds on the assumed table (``manski_*_assumed_table``) and the
hypergeometric interval (on the assumed table, and only if non-response is random) are labelled so.

**Which frames are defensible.**  The 12 invited: for every item.  The 15 public-library participants: the 3
not invited had left municipal libraries, so they have no library to rate -- items about the library
(``unit = library`` in ``data/raw/instrument/levels.csv``) get no row for this frame, and items about the
person's own practice (``unit = person``) get bounds only (no sampling model: the 3 were excluded, not drawn).

Frame sizes come from ``data/raw/published/design.csv`` (``invited``, ``participants_public_libraries``);
frame descriptions from ``data/raw/analysis/uncertainty_labels.csv`` (da/no/en).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import hypergeom

from samskab_analysis.data.published import design_int
from samskab_analysis.stats.intervals import share_sets
from samskab_analysis.stats.sensitivity import set_count_range
from samskab_analysis.stats.wording import say
from samskab_analysis.study import Study

#: frame id -> (design.csv key, label key, units of items it is defensible for, sampling interval defensible)
FRAMES = {
    "invited": ("invited", "frame_invited", ("person", "library"), True),
    "public_library_participants": ("participants_public_libraries", "frame_participants", ("person",), False),
}


def manski_bounds(count: int, n: int, size: int) -> tuple[float, float]:
    """Share of a frame of *size* people, whatever the *size* - *n* non-respondents would have answered."""
    if not 0 <= count <= n <= size:
        raise ValueError(f"need 0 <= count ({count}) <= n ({n}) <= frame size ({size})")
    return count / size, (count + size - n) / size


def manski_bounds_over(count_low: int, count_high: int, n: int, size: int) -> tuple[float, float]:
    """:func:`manski_bounds` over every respondents' count from *count_low* to *count_high* (consistent tables)."""
    return manski_bounds(count_low, n, size)[0], manski_bounds(count_high, n, size)[1]


def hypergeometric_interval(count: int, n: int, size: int, alpha: float = 0.05) -> tuple[int, int]:
    """Exact (1 - alpha) interval for the head count K in the frame, if the *n* respondents were a random sample."""
    lo_k, hi_k = manski_bounds(count, n, size)
    candidates = range(round(lo_k * size), round(hi_k * size) + 1)
    low = min(k for k in candidates if hypergeom(size, k, n).sf(count - 1) > alpha / 2)
    high = max(k for k in candidates if hypergeom(size, k, n).cdf(count) > alpha / 2)
    return low, high


def item_unit(study: Study, item_id: str) -> str:
    """``person`` or ``library``: what the item asks the respondent to rate (its level's ``unit``)."""
    inst = study.instrument
    return str(inst.levels.at[inst.items.at[item_id, "level_id"], "unit"])


def frame_table(study: Study, alpha: float = 0.05, lang: str = "en") -> pd.DataFrame:
    """For every share the report uses (and each item's top-2-box): its value among the respondents and, per
    defensible frame, the bounds that need no assumption, the same bounds on the assumed table and the
    finite-population exact interval (as shares of the frame).

    Columns: item_id, share_id, categories, unit, count, count_range, n, share, frame, frame_size,
    manski_lower, manski_upper (every consistent table and every non-respondent answer: no assumption),
    manski_lower_assumed_table, manski_upper_assumed_table, exact_lower, exact_upper (hypergeometric, on the
    assumed table, only if non-response is random; NaN where no sampling model is defensible), frame_note
    (in *lang*).  Needs the design numbers (published study); respondent-level data without them gives an
    empty table.
    """
    if study.design is None:
        return pd.DataFrame()
    rows = []
    for _, s in share_sets(study).iterrows():
        part = study.item_counts(s["item_id"])
        n = int(part["count"].sum())
        count = int(part.loc[part["category_id"].isin(s["_categories"]), "count"].sum())
        low, high = set_count_range(study, s["item_id"], s["_categories"]) if study.is_published else (count, count)
        unit = item_unit(study, s["item_id"])
        for frame, (key, label, units, sampling) in FRAMES.items():
            if unit not in units:
                continue
            size = design_int(study.design, key)
            lo, hi = manski_bounds_over(low, high, n, size)
            lo_t, hi_t = manski_bounds(count, n, size)
            k_lo, k_hi = hypergeometric_interval(count, n, size, alpha) if sampling else (np.nan, np.nan)
            rows.append(
                {
                    "item_id": s["item_id"],
                    "share_id": s["share_id"],
                    "categories": s["categories"],
                    "unit": unit,
                    "count": count,
                    "count_range": f"{low}-{high}" if low != high else f"{count}",
                    "n": n,
                    "share": count / n,
                    "frame": frame,
                    "frame_size": size,
                    "manski_lower": lo,
                    "manski_upper": hi,
                    "manski_lower_assumed_table": lo_t,
                    "manski_upper_assumed_table": hi_t,
                    "exact_lower": k_lo / size,
                    "exact_upper": k_hi / size,
                    "frame_note": say(label, lang, size=size, n=n),
                }
            )
    return pd.DataFrame(rows)
