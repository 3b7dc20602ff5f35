"""Releases under ``--min-count``: what each protected release leaves behind, and what a later one may not do.

* **Fingerprint.** A protected run records its respondent set in ``<out>/disclosure/release.json`` (and in the
  release log named by ``--release-log``, one JSON line per release): N, k and a *bucket histogram*: each
  respondent's answer row (category per item, in the instrument's order) is hashed (SHA-256) and only the
  hash modulo B is kept, B the smallest power of two of at least max(N, 16), and only as counts per bucket.
  No answer and no respondent id can be read back from it, and a guessed answer row matches a bucket that some
  respondent fills for about two guesses in three: testing guesses against it tells next to nothing.
* **Differencing check.** Before a protected run publishes anything, its respondents are compared with every
  earlier release (same output folder, release log): the histogram differences give at least how many
  respondents were added and how many removed (exactly, when respondents were only added or only removed).
  If either is between 1 and k - 1 the run is refused: subtracting the two releases' tables would give those
  few respondents' answers. ``--allow-overlap`` publishes anyway and says so; the record notes it.
  A respondent whose answers changed counts as one removed and one added; two such changes can hide each
  other when their rows fall into the same bucket (probability 1/B each).
* **Unprotected folders.** A folder whose last run used another ``--min-count`` (or none) is never turned
  into a protected one in place: every output of the earlier run is removed first and regenerated.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from samskab_analysis.data.errors import DataValidationError, Problem
from samskab_analysis.output import append_line, remove_file, remove_tree, write_text

RELEASE_FILE = Path("disclosure") / "release.json"
FORMAT = 1
SALT = b"samskab release fingerprint 1\0"

#: What ``samskab reproduce`` writes into its output folder (removed when a folder changes protection).
RUN_OUTPUTS = ("notebooks", "html", "figures", "data", "processed", "failed", "site", "pdf", ".site-src",
               "index.html", "manifest.json", "disclosure/audit.csv")  # fmt: skip


def answer_rows(responses, item_ids: Iterable[str]) -> list[str]:
    """One canonical line per respondent: the category id of each item (blank: empty), in instrument order."""
    items = [i for i in item_ids if i in responses.columns]
    frame = responses[items].astype("string").fillna("").apply(lambda s: s.str.strip())
    return ["\x1f".join(row) for row in frame.itertuples(index=False, name=None)]


def bucket_count(n: int) -> int:
    """B: the smallest power of two of at least max(n, 16)."""
    b = 16
    while b < n:
        b *= 2
    return b


def histogram(rows: Iterable[str], buckets: int) -> list[int]:
    """Respondents per bucket: SHA-256 of the salted answer row, modulo *buckets*."""
    counts = [0] * buckets
    for row in rows:
        digest = hashlib.sha256(SALT + row.encode("utf-8")).digest()
        counts[int.from_bytes(digest[:8], "big") % buckets] += 1
    return counts


def release_record(rows: list[str], k: int, label: str, allowed_overlap: bool = False) -> dict:
    """What a protected release records about its respondents."""
    buckets = bucket_count(len(rows))
    record = {"format": FORMAT, "data": label, "min_count": int(k), "respondents": len(rows), "buckets": buckets,
              "histogram": histogram(rows, buckets)}  # fmt: skip
    if allowed_overlap:
        record["allowed_overlap"] = True
    return record


@dataclass(frozen=True)
class Difference:
    """At least how many respondents one release added and removed against an earlier one."""

    added: int
    removed: int
    earlier: str

    def risky(self, k: int) -> bool:
        return 0 < self.added < k or 0 < self.removed < k


def difference(rows: list[str], earlier: dict, where: str) -> Difference:
    """Lower bounds of the respondents added and removed since *earlier* (exact for pure additions/removals)."""
    buckets = int(earlier["buckets"])
    now = histogram(rows, buckets)
    then = [int(c) for c in earlier["histogram"]]
    added = sum(max(a - b, 0) for a, b in zip(now, then, strict=True))
    removed = sum(max(b - a, 0) for a, b in zip(now, then, strict=True))
    return Difference(added, removed, where)


def read_release_log(path: Path) -> list[dict]:
    """The releases of a log file (JSON lines); a missing file is an empty log."""
    if not Path(path).is_file():
        return []
    records = []
    for line_no, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            raise DataValidationError(
                Problem(file=str(path), row=line_no, message="not a release record (JSON) of samskab")
            ) from None
        if not _valid(record):
            raise DataValidationError(Problem(file=str(path), row=line_no, message="not a release record of samskab"))
        records.append(record)
    return records


def _valid(record: object) -> bool:
    return (
        isinstance(record, dict)
        and record.get("format") == FORMAT
        and isinstance(record.get("buckets"), int)
        and isinstance(record.get("histogram"), list)
        and len(record["histogram"]) == record["buckets"]
    )


def earlier_releases(out_dir: Path, log: Path | None) -> list[tuple[dict, str]]:
    """Earlier protected releases: the output folder's own and the release log's."""
    found = []
    own = Path(out_dir) / RELEASE_FILE
    if own.is_file():
        try:
            record = json.loads(own.read_text(encoding="utf-8"))
        except ValueError:
            record = None
        if _valid(record):
            found.append((record, f"the earlier release in {out_dir}"))
    for number, record in enumerate(read_release_log(log) if log else [], start=1):
        found.append((record, f"release {number} of {log} ({record.get('data', '?')})"))
    return found


def check_release(rows: list[str], k: int, out_dir: Path, log: Path | None, allow_overlap: bool) -> list[Difference]:
    """Refuse (``DataValidationError``) a release differing from an earlier one by fewer than k respondents.

    With *allow_overlap* the risky differences are returned (and printed) instead.
    """
    risky = [d for record, where in earlier_releases(out_dir, log) if (d := difference(rows, record, where)).risky(
        max(k, int(record.get("min_count", 0))))]  # fmt: skip
    if not risky:
        return []
    lines = [f"{d.earlier}: at least {d.added} respondent(s) added and {d.removed} removed" for d in risky]
    consequence = (
        "anyone holding both releases can subtract their tables and learn the answers of the few respondents "
        f"who differ, suppressed cells included (fewer than --min-count {k} differ)"
    )
    if allow_overlap:
        print(f"samskab reproduce: --allow-overlap: publishing although {'; '.join(lines)}: {consequence}",
              file=sys.stderr)  # fmt: skip
        return risky
    raise DataValidationError(
        Problem(
            file=str(out_dir),
            message=f"this release differs from an earlier one by fewer than {k} respondents ({'; '.join(lines)}): "
            f"{consequence}. Publish only when at least {k} respondents differ, or pass --allow-overlap to "
            "publish anyway",
        )
    )


def record_release(record: dict, out_dir: Path, log: Path | None) -> None:
    """Write the release's record into the output folder and append it to the release log."""
    text = json.dumps(record, sort_keys=True)
    write_text(Path(out_dir) / RELEASE_FILE, text + "\n")
    if log is not None:
        append_line(log, text)


def previous_min_count(manifest: dict) -> int | None:
    """The ``--min-count`` of the folder's last run (None: no run yet; 0: unprotected or recorded before it was)."""
    if not manifest:
        return None
    value = manifest.get("min_count", 0)
    return int(value) if isinstance(value, int) else 0


def discard_run_outputs(out_dir: Path, processed_dir: Path | None = None) -> list[str]:
    """Remove every output ``samskab reproduce`` wrote into *out_dir* (the release record stays)."""
    removed = []
    out_dir = Path(out_dir)
    for name in RUN_OUTPUTS:
        path = out_dir / name
        if remove_tree(path):
            removed.append(name)
    if processed_dir is not None and Path(processed_dir).is_dir() and not _inside(Path(processed_dir), out_dir):
        for path in sorted(Path(processed_dir).glob("*.csv")):
            remove_file(path)
            removed.append(str(path))
    return removed


def _inside(path: Path, folder: Path) -> bool:
    path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents
