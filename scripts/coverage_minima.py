"""Write data/raw/analysis/coverage_minima.csv: the smallest simultaneous coverage found over the simplex.

    .venv/bin/python scripts/coverage_minima.py            # (re)write the file (about 2 minutes)
    .venv/bin/python scripts/coverage_minima.py --check    # recompute and fail if the file differs

For every simultaneous interval method (Goodman, Sison-Glaz with the package's Goodman fallback,
Bonferroni-Clopper-Pearson) at N = 10 and k = 2 .. 6 categories, :func:`simplex_search` of
``samskab_analysis.stats.coverage_minimum`` (seeded: the same file every time).  Each row holds the exact
coverage at the minimising distribution ``p``: the true minimum over the simplex is at most that value
(``bound = upper``).  Single-share methods need no file: their infimum is proven at run time.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from samskab_analysis.stats.coverage_minimum import MINIMA_COLUMNS, MINIMA_FILE, minimum_row, simplex_search  # noqa: E402

METHODS = ("goodman", "sison-glaz", "bonferroni-cp")
SIZES = [(10, k) for k in range(2, 7)]


def rendered() -> str:
    """The file's content."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=MINIMA_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for n, k in SIZES:
        for method in METHODS:
            writer.writerow(minimum_row(simplex_search(method, n, k)))
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the file on disk differs")
    args = parser.parse_args()
    path = ROOT / "data" / "raw" / MINIMA_FILE
    text = rendered()
    if args.check:
        same = path.exists() and path.read_text(encoding="utf-8") == text
        print("coverage_minima.csv is current" if same else "coverage_minima.csv differs from a fresh search")
        return 0 if same else 1
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
