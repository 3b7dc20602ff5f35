"""An attacker against ``--min-count`` runs: every output file read back, every suppressed cell solved for.

Written on purpose without samskab's disclosure code (no ``stats.disclosure``, ``stats.audit``,
``stats.registry`` or ``run.audit``): the instrument is read from ``data/raw`` with the csv module, the
outputs of real ``samskab reproduce`` runs are parsed as files (CSV, the notebooks' tables as a reader sees
them - HTML, column names and values in the run's language, read back to codes through ``data/raw/site``
columns.csv and values.csv and the instrument - the site's HTML tables, the figures' SVG geometry, JSON),
and each item's unknown cells are bounded with an integer program of its own (``scipy.optimize.milp``) and,
where the space is small, by enumerating every table. For seeded cohorts of 4 to 30 respondents and k = 3
and 5 it must find no cell determined and no interval narrower than the documented protection (k wide), and
its intervals must equal those of the run's own audit (``disclosure/audit.csv``). The concrete leaks of
issue 19 are regression tests on the same runs.
"""

from __future__ import annotations

import csv
import html
import io
import itertools
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from samskab_analysis.cli import main

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"
HIDDEN = "suppressed"
NO_ANSWER = "no_answer"


# --- the instrument, read as plain CSV ------------------------------------------------------------------------


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


@dataclass
class Questionnaire:
    items: list[str]
    scale: dict[str, str]
    categories: dict[str, list[str]]  # per item, every cell (no_answer last)
    scored: dict[str, list[str]]
    top: dict[str, list[str]]
    substantive: dict[str, list[str]]
    color: dict[tuple[str, str], str]
    label_to_cat: dict[str, dict[str, str]]  # per scale: lower-case label (any language) -> category
    exhibit_to_item: dict[str, str]


def questionnaire() -> Questionnaire:
    items_rows = sorted(read_csv(RAW / "instrument" / "items.csv"), key=lambda r: int(r["order"]))
    scales = read_csv(RAW / "instrument" / "scales.csv")
    labels = {r["key"]: r for r in read_csv(RAW / "instrument" / "labels.csv")}
    by_scale: dict[str, list[dict[str, str]]] = {}
    for row in sorted(scales, key=lambda r: int(r["order"])):
        by_scale.setdefault(row["scale_id"], []).append(row)
    q = Questionnaire([], {}, {}, {}, {}, {}, {}, {}, {})
    for scale_id, rows in by_scale.items():
        names = {r[f"label_{lang}"].lower(): r["category_id"] for r in rows for lang in ("da", "no", "en")}
        names.update({labels[NO_ANSWER][lang].lower(): NO_ANSWER for lang in ("da", "no", "en")})
        q.label_to_cat[scale_id] = names
    for row in items_rows:
        item, scale_id = row["item_id"], row["scale_id"]
        rows = by_scale[scale_id]
        q.items.append(item)
        q.scale[item] = scale_id
        q.categories[item] = [r["category_id"] for r in rows] + [NO_ANSWER]
        q.scored[item] = [r["category_id"] for r in rows if r["score"].strip()]
        q.top[item] = [r["category_id"] for r in rows if r["top_box"] == "true"]
        q.substantive[item] = [r["category_id"] for r in rows if r["substantive"] == "true"]
        for r in rows:
            q.color[(item, r["category_id"])] = r["color"].lower()
        q.color[(item, NO_ANSWER)] = "#cfcfcf"
        for lang in ("da", "no", "en"):
            name = f"{labels['figure'][lang]} {int(row['figure'])}" if row["figure"] else labels[item][lang]
            q.exhibit_to_item[name] = item
    return q


Q = questionnaire()


# --- seeded cohorts ---------------------------------------------------------------------------------------------


def make_cohort(path: Path, n: int, seed: int) -> list[dict[str, str]]:
    """*n* invented respondents, skewed answers (many small cells), some "don't know" and blanks."""
    rng = np.random.default_rng(seed)
    rows = [{"respondent_id": f"ATT-{seed}-{i:02d}"} for i in range(n)]
    for item in Q.items:
        options = [*Q.categories[item][:-1], ""]
        weights = rng.dirichlet(np.full(len(options), 0.7))
        weights[-1] *= 0.5  # blanks rarer
        picks = rng.choice(len(options), size=n, p=weights / weights.sum())
        for row, pick in zip(rows, picks, strict=True):
            row[item] = options[pick]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["respondent_id", *Q.items], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return rows


def true_counts(rows: list[dict[str, str]]) -> dict[tuple[str, str], int]:
    out = {(item, cat): 0 for item in Q.items for cat in Q.categories[item]}
    for row in rows:
        for item in Q.items:
            out[(item, row[item] or NO_ANSWER)] += 1
    return out


def joint_passes(rows: list[dict[str, str]], items: list[str], k: int) -> bool:
    """Every combination of the items' answers (blank included) given by at least k respondents."""
    combos: dict[tuple[str, ...], int] = {}
    for row in rows:
        key = tuple(row[i] or NO_ANSWER for i in items)
        combos[key] = combos.get(key, 0) + 1
    return len(combos) == math.prod(len(Q.categories[i]) for i in items) and min(combos.values()) >= k


# --- what the outputs publish ------------------------------------------------------------------------------------


@dataclass
class Seen:
    """Everything the attacker read about the cohort, with where it was read."""

    cells: dict[tuple[str, str], dict[str, int | None]] = field(default_factory=dict)
    sums: list[tuple[str, frozenset[str], int, str]] = field(default_factory=list)
    shares: list[tuple[str, frozenset[str], float, float, str]] = field(default_factory=list)
    stats: list[tuple[str, frozenset[str], str]] = field(default_factory=list)
    cross: list[tuple[tuple[str, ...], str]] = field(default_factory=list)
    n: set[int] = field(default_factory=set)
    tables: dict[str, int] = field(default_factory=dict)  # kind of table -> how many were read

    def cell(self, item: str, cat: str, text: str, where: str) -> None:
        value = number(text)
        self.cells.setdefault((item, cat), {})[where] = None if value is None else int(value)

    def total(self, item: str, cats, text: str, where: str) -> None:
        value = number(text)
        if value is not None:
            self.sums.append((item, frozenset(cats), int(value), where))

    def share(self, item: str, cats, text: str, where: str, scale: float = 1.0) -> None:
        value = number(text)
        if value is not None:
            decimals = len(text.strip().split(".")[1]) if "." in text else 0
            tol = 0.5 * 10.0**-decimals * scale
            self.shares.append((item, frozenset(cats), value * scale, tol, where))

    def stat(self, item: str, cats, text: str, where: str) -> None:
        if number(text) is not None:
            self.stats.append((item, frozenset(cats), where))


def number(text: str) -> float | None:
    """A number as a table shows it: ``0.25``, or ``0,25`` in the Danish and Norwegian tables."""
    text = str(text).strip()
    if re.fullmatch(r"-?\d+,\d+", text):
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def text_table(text: str) -> tuple[list[str], list[dict[str, str]]] | None:
    """A pandas ``to_string`` table (right-aligned columns) as header and rows; None for other text.

    A table printed with its index (the correlation matrix) has the row names in ``<index>``.
    """
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        return None
    spans = [(m.group(), m.end()) for m in re.finditer(r"\S+", lines[0])]
    if len(spans) < 2:
        return None
    header = [name for name, _ in spans]
    indexed = set(header) <= set(Q.items)
    rows = []
    for line in lines[1:]:
        row, start = {}, 0
        if indexed:
            row["<index>"] = line.split()[0]
            start = len(row["<index>"])
        for name, end in spans:
            row[name] = line[start:end].strip()
            start = end
        rows.append(row)
    return header, rows


def html_tables(page: str) -> list[tuple[list[str], list[dict[str, str]]]]:
    """The ``<table>`` elements of a page as header and rows (text of the cells)."""
    found = []
    for table in re.findall(r"<table.*?</table>", page, flags=re.S):
        head = [strip(c) for c in re.findall(r"<th[^>]*>(.*?)</th>", table, flags=re.S)]
        rows = []
        for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", table, flags=re.S):
            cells = [strip(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, flags=re.S)]
            if cells and len(cells) == len(head):
                rows.append(dict(zip(head, cells, strict=True)))
        if head:
            found.append((head, rows))
    return found


def strip(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).replace("\u2020", "").replace("*", "").strip()


def category_of(item: str, label: str) -> str:
    return Q.label_to_cat[Q.scale[item]][label.strip().lower()]


# --- the reader's words back to codes (data/raw/site/columns.csv, values.csv, the instrument) --------------------


def reader_words() -> tuple[dict[str, set[str]], list[tuple[re.Pattern[str], str]]]:
    """Every word a table may show (column names and coded values, in every language) -> the codes it names."""
    words: dict[str, set[str]] = {}
    patterns = []

    def add(text: str, code: str) -> None:
        if "{" in text:  # "… for the share of the {n} respondents"
            parts = re.split(r"\{[a-z_]+\}", text.strip().lower())
            patterns.append((re.compile(".+?".join(re.escape(p) for p in parts)), code))
        else:
            words.setdefault(text.strip().lower(), set()).add(code)

    for name in ("columns.csv", "values.csv"):
        for row in read_csv(RAW / "site" / name):
            for lang in ("da", "no", "en"):
                add(row[lang], row["key"])
    for names in Q.label_to_cat.values():
        for label, cat in names.items():
            add(label, cat)
    for name, item in Q.exhibit_to_item.items():
        add(name, item)
    for row in read_csv(RAW / "analysis" / "indices.csv"):
        for lang in ("da", "no", "en"):
            add(row[f"label_{lang}"], row["index_id"])
    return words, patterns


WORDS, PATTERNS = reader_words()


def codes_of(text: str) -> list[str]:
    """The codes a shown word may stand for, the word itself first (an untranslated table keeps its codes)."""
    key = html.unescape(text).strip().lower()
    found = sorted(WORDS.get(key, set())) + [code for pattern, code in PATTERNS if pattern.fullmatch(key)]
    return [text.strip(), *found]


def item_of_name(text: str) -> str:
    """An item id from an item's id or its shown name (``Figure 7``, ``Figur 7``, the meeting place's name)."""
    text = text.strip()
    return text if text in Q.items else Q.exhibit_to_item.get(text, text)


def recode(header: list[str], rows: list[dict[str, str]]) -> tuple[list[str], list[dict[str, str]]]:
    """The table with its columns named by code: every code a column's name may stand for (first column wins)."""
    names: dict[str, str] = {}
    for column in header:
        for code in codes_of(column):
            names.setdefault(code, column)
    extra = {"<index>", "index", ""}
    coded = [
        {**{c: row.get(h, "") for c, h in names.items()}, **{e: row[e] for e in extra if e in row}} for row in rows
    ]
    return list(names), coded


def read_table(seen: Seen, header: list[str], rows: list[dict[str, str]], where: str, item: str | None) -> None:
    """Turn one table into what it publishes (by its columns, named back to their codes)."""
    shown = [h for h in header if h not in ("index", "")]
    header, rows = recode(header, rows)
    cols = set(header)
    if {"category", "count", "percent"} <= cols and item:  # the table behind an item figure
        seen.tables["figure"] = seen.tables.get("figure", 0) + 1
        for row in rows:
            cat = category_of(item, row["category"])
            seen.cell(item, cat, row["count"], where)
            seen.share(item, [cat], row["percent"], where)
            for column in ("wilson95", "exact95"):  # an interval: a function of its cell
                if re.fullmatch(r"[\d.]+\s*[-–]\s*[\d.]+ *%?", row.get(column, "")):
                    seen.stats.append((item, frozenset([cat]), where))
    elif {"item_id", "respondents", "answered", "dont_know", "no_answer"} <= cols:
        seen.tables["answers"] = seen.tables.get("answers", 0) + 1
        for row in rows:
            it = item_of_name(row["item_id"])
            seen.n.add(int(number(row["respondents"])))
            seen.total(it, Q.substantive[it], row["answered"], where)
            other = [c for c in Q.categories[it][:-1] if c not in Q.substantive[it]]
            seen.total(it, other, row["dont_know"], where)
            seen.total(it, [NO_ANSWER], row["no_answer"], where)
    elif {"exhibit", "N", "top2_pct", "mean", "median"} <= cols:
        seen.tables["summary"] = seen.tables.get("summary", 0) + 1
        for row in rows:
            it = item_of_name(row["exhibit"])
            seen.n.add(int(number(row["N"])))
            seen.share(it, Q.top[it], row["top2_pct"], where)
            seen.stat(it, Q.scored[it], row["mean"], where)
            seen.stat(it, Q.scored[it], row["median"], where)
    elif {"exhibit", "category", "count_b", "pct_b"} <= cols:
        seen.tables["side_by_side"] = seen.tables.get("side_by_side", 0) + 1
        for row in rows:
            it = item_of_name(row["exhibit"])
            cat = category_of(it, row["category"])
            seen.cell(it, cat, row["count_b"], where)
            seen.share(it, [cat], row["pct_b"], where)
    elif {"exhibit", "n_b", "mean_b", "mw_p"} <= cols:
        seen.tables["tests"] = seen.tables.get("tests", 0) + 1
        for row in rows:
            it = item_of_name(row["exhibit"])
            seen.total(it, Q.scored[it], row["n_b"], where)
            seen.stat(it, Q.scored[it], row["mean_b"], where)
            seen.stat(it, Q.scored[it], row["mw_u"], where)
    elif {"comparison_id", "item_a", "item_b", "n_pairs", "a>b"} <= cols:
        seen.tables["paired"] = seen.tables.get("paired", 0) + 1
        for row in rows:
            numbers = [row[c] for c in ("n_pairs", "mean_a", "mean_b", "a>b", "a<b", "a=b", "sign_p", "wilcoxon_p")]
            if any(number(v) is not None for v in numbers):
                seen.cross.append(((item_of_name(row["item_a"]), item_of_name(row["item_b"])), where))
    elif {"index_id", "items", "n", "mean"} <= cols or {"label", "items", "n", "mean"} <= cols:
        seen.tables["indices"] = seen.tables.get("indices", 0) + 1
        index_items = index_definitions()
        for row in rows:
            index_id = next(c for c in [row.get("index_id", ""), *codes_of(row.get("label", ""))] if c in index_items)
            if any(number(row[c]) is not None for c in ("n", "mean", "sd", "min", "median", "max") if c in row):
                seen.cross.append((tuple(index_items[index_id]), where))
    elif {"level", "items", "n_complete", "alpha"} <= cols:
        seen.tables["reliability"] = seen.tables.get("reliability", 0) + 1
        for row in rows:
            if number(row["n_complete"]) is not None or number(row["alpha"]) is not None:
                seen.cross.append((tuple(item_of_name(i) for i in re.split(r",\s*", row["items"])), where))
    elif {item_of_name(h) for h in shown} <= set(Q.items) and len(shown) > 3:  # the correlation matrix
        seen.tables["correlations"] = seen.tables.get("correlations", 0) + 1
        for row in rows:
            a = item_of_name(row.get("<index>") or row.get("index") or row.get(""))
            for b in shown:
                if number(row.get(b, "")) is not None:
                    seen.cross.append(((a, item_of_name(b)), where))
    elif {"key", "value"} <= cols:
        for row in rows:
            if "respondents" in codes_of(row["key"]):
                seen.n.add(int(number(row["value"])))


def index_definitions() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for row in read_csv(RAW / "analysis" / "indices.csv"):
        out.setdefault(row["index_id"], []).append(row["item_id"])
    return out


def read_counts_csv(seen: Seen, path: Path, where: str) -> None:
    for row in read_csv(path):
        seen.cell(row["item_id"], row["category_id"], row["count"], where)
        seen.share(row["item_id"], [row["category_id"]], row["share"], where, scale=100.0)
        if number(row.get("n", "")) is not None:
            seen.n.add(int(number(row["n"])))


def read_summary_csv(seen: Seen, path: Path, where: str) -> None:
    for row in read_csv(path):
        it = row["item_id"]
        seen.n.add(int(number(row["n"])))
        seen.total(it, Q.scored[it], row["n_scored"], where)
        seen.total(it, [c for c in Q.categories[it] if c not in Q.scored[it]], row["n_not_scored"], where)
        seen.total(it, Q.top[it], row["top_box_count"], where)
        seen.share(it, Q.top[it], row["top_box_share"], where, scale=100.0)
        for column in ("mean_score", "median_score", "sd_score"):
            seen.stat(it, Q.scored[it], row[column], where)


def read_notebook(seen: Seen, path: Path, where: str, item: str | None) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            page = output.get("data", {}).get("text/html", "")
            if page:  # the table as a reader sees it (column names of several words, translated values)
                for header, rows in html_tables("".join(page) if isinstance(page, list) else page):
                    read_table(seen, header, rows, where, item)
                continue
            text = output.get("text") or output.get("data", {}).get("text/plain", "")
            text = "".join(text) if isinstance(text, list) else text
            parsed = text_table(text)
            if parsed:
                read_table(seen, *parsed, where, item)


def read_site_page(seen: Seen, path: Path, where: str, item: str | None) -> None:
    page = path.read_text(encoding="utf-8")
    for header, rows in html_tables(page):
        read_table(seen, header, rows, where, item)
    for block in re.findall(r"<pre[^>]*>(.*?)</pre>", page, flags=re.S):
        parsed = text_table(html.unescape(re.sub(r"<[^>]+>", "", block)))
        if parsed:
            read_table(seen, *parsed, where, item)


def item_of(stem: str) -> str | None:
    """The item of a figure notebook or page (``figure_fig02``; ``figure_fig02.en``: another language's copy)."""
    stem = stem.split(".")[0]
    return stem.removeprefix("figure_") if stem.startswith("figure_") else None


def read_run(out: Path) -> Seen:
    """Everything a run's files publish about its cohort."""
    seen = Seen()
    read_counts_csv(seen, out / "processed" / "counts.csv", "processed/counts.csv")
    read_summary_csv(seen, out / "processed" / "item_summary.csv", "processed/item_summary.csv")
    for path in sorted((out / "data").glob("*.csv")):
        read_counts_csv(seen, path, f"data/{path.name}")
    for path in sorted((out / "notebooks").glob("*.ipynb")):
        read_notebook(seen, path, f"notebooks/{path.name}", item_of(path.stem))
    for path in sorted((out / "site").glob("*/exhibits/*.html")):
        read_site_page(seen, path, path.relative_to(out).as_posix(), item_of(path.stem))
    return seen


# --- solving for the suppressed cells -----------------------------------------------------------------------------


def item_constraints(seen: Seen, item: str, n: int):
    """The item's cells, those fixed by a shown number, and its linear relations (coefs over cells, lo, hi)."""
    cats = Q.categories[item]
    fixed = {}
    for cat in cats:
        values = {v for v in seen.cells.get((item, cat), {}).values() if v is not None}
        assert len(values) <= 1, f"{item}/{cat} published with different values {values}"
        if values:
            fixed[cat] = values.pop()
    relations = [({c: 1.0 for c in cats}, n, n)]
    for it, group, value, _ in seen.sums:
        if it == item:
            relations.append(({c: 1.0 for c in group}, value, value))
    for it, group, value, tol, _ in seen.shares:
        if it == item:
            relations.append(({c: 100.0 / n for c in group}, value - tol - 1e-9, value + tol + 1e-9))
    return cats, fixed, relations


def ilp_intervals(cats, fixed, relations, n) -> dict[str, tuple[int, int]]:
    index = {c: i for i, c in enumerate(cats)}
    a = np.zeros((len(relations), len(cats)))
    lo, hi = np.zeros(len(relations)), np.zeros(len(relations))
    for r, (coefs, low, high) in enumerate(relations):
        for c, v in coefs.items():
            a[r, index[c]] = v
        lo[r], hi[r] = low, high
    bounds = Bounds([fixed.get(c, 0) for c in cats], [fixed.get(c, n) for c in cats])
    out = {}
    for cat in cats:
        if cat in fixed:
            continue
        ends = []
        for sign in (1, -1):
            goal = np.zeros(len(cats))
            goal[index[cat]] = sign
            res = milp(goal, constraints=LinearConstraint(a, lo, hi), bounds=bounds, integrality=np.ones(len(cats)))
            assert res.status == 0, f"no table fits what was published ({res.message})"
            ends.append(int(round(res.x[index[cat]])))
        out[cat] = (ends[0], ends[1])
    return out


def enumerated_intervals(cats, fixed, relations, n, limit: int = 20000) -> dict[str, tuple[int, int]] | None:
    """The same intervals by listing every table (None when there are more than *limit*)."""
    free = [c for c in cats if c not in fixed]
    rest = n - sum(fixed.values())
    if not free or math.comb(rest + len(free) - 1, len(free) - 1) > limit:
        return None
    seen_values: dict[str, set[int]] = {c: set() for c in free}
    for cut in itertools.combinations(range(rest + len(free) - 1), len(free) - 1):
        parts = [b - a - 1 for a, b in zip((-1, *cut), (*cut, rest + len(free) - 1), strict=True)]
        table = {**fixed, **dict(zip(free, parts, strict=True))}
        if all(low - 1e-9 <= sum(v * table[c] for c, v in coefs.items()) <= high + 1e-9
               for coefs, low, high in relations):  # fmt: skip
            for c in free:
                seen_values[c].add(table[c])
    return {c: (min(v), max(v)) for c, v in seen_values.items()}


@dataclass
class Attack:
    intervals: dict[tuple[str, str], tuple[int, int]]
    findings: list[str]
    enumerated: int


def attack(seen: Seen, rows: list[dict[str, str]], k: int) -> Attack:
    n = len(rows)
    findings = [f"N published as {sorted(seen.n)}"] if seen.n != {n} else []
    intervals, enumerated = {}, 0
    for item in Q.items:
        cats, fixed, relations = item_constraints(seen, item, n)
        found = ilp_intervals(cats, fixed, relations, n)
        listed = enumerated_intervals(cats, fixed, relations, n)
        if listed is not None:
            enumerated += 1
            assert listed == found, f"{item}: enumeration {listed} and integer programming {found} disagree"
        for cat, (low, high) in found.items():
            intervals[(item, cat)] = (low, high)
            if high - low < k:
                findings.append(f"{item}/{cat}: only values {low}..{high} fit the outputs")
        for it, group, where in seen.stats:
            if it == item and group - set(fixed):
                findings.append(f"{where}: a statistic of {item} over suppressed cells {sorted(group - set(fixed))}")
    for items, where in seen.cross:
        if not joint_passes(rows, list(dict.fromkeys(items)), k):  # an item with itself: its own table
            findings.append(f"{where}: a statistic over {items} whose joint table has cells below {k}")
    return Attack(intervals, sorted(set(findings)), enumerated)


# --- the runs -----------------------------------------------------------------------------------------------------


@dataclass
class Run:
    out: Path
    rows: list[dict[str, str]]
    k: int
    cohort: Path
    seen: Seen
    log: str = ""


#: The cohorts attacked: respondents, k, seed, whether the site is built, the notebooks run (all when empty).
#: One run each, reused by every test: one whole run with its site (read as HTML too) and three runs of the
#: notebooks that show the data in more than one way (overview, microdata, cohorts, the figures of a few
#: items), so the attack covers 4 to 30 respondents and k = 3 and 5 in a few minutes.
COHORTS = {
    "n7k3": (7, 3, 11, True, ""),
    "n23k5": (23, 5, 23, False, "overview,microdata,cohorts,fig02,fig05,fig16,fig17"),
    "n4k3": (4, 3, 5, False, "overview,microdata,cohorts,fig10,fig13"),
    "n30k3": (30, 3, 37, False, "overview,microdata,cohorts,fig01,fig15,meeting_place"),
}


#: The reader's language of a cohort's run (English unless named): the attacker reads every language's tables.
LANGUAGE = {"n23k5": "da", "n30k3": "no"}


def reproduce(cohort: Path, out: Path, k: int | None, *extra: str, lang: str = "en") -> int:
    figures = ",".join(sorted({"en", lang}))
    site = [] if "--no-site" in extra else ["--no-pdf"]  # --no-pdf needs a site
    args = ["reproduce", "--data", str(cohort), "--out", str(out), "--lang", lang, "--langs", figures,
            "--formats", "svg", *site, "--jobs", "2"]  # fmt: skip
    return main([*args, *(["--min-count", str(k)] if k else []), *extra])


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """One real run per cohort; the first folder held an unprotected run of the same file before."""
    out = {}
    for name, (n, k, seed, site, only) in COHORTS.items():
        folder = tmp_path_factory.mktemp(name)
        cohort = folder / f"cohort_{name}.csv"
        rows = make_cohort(cohort, n, seed)
        target = folder / "out"
        if name == "n7k3":  # the last leak: an unprotected run first, into the same folder
            assert reproduce(cohort, target, None, "--only", "results") == 0
            assert "%" in (target / "site" / "en" / "results" / "personal.html").read_text(encoding="utf-8")
        extra = [*([] if site else ["--no-site"]), *(["--only", only] if only else [])]
        assert reproduce(cohort, target, k, *extra, lang=LANGUAGE.get(name, "en")) == 0
        out[name] = Run(target, rows, k, cohort, read_run(target))
    return out


def figure_items(run: Run) -> list[str]:
    """Items whose figure notebook ran."""
    return [i for i in Q.items if (run.out / "notebooks" / f"figure_{i}.ipynb").is_file()]


@pytest.mark.parametrize("name", list(COHORTS))
def test_attacker_determines_no_cell(runs: dict[str, Run], name: str) -> None:
    run = runs[name]
    result = attack(run.seen, run.rows, run.k)
    assert result.findings == []
    truth = true_counts(run.rows)
    for (item, cat), (low, high) in result.intervals.items():
        assert low <= truth[(item, cat)] <= high  # the parse is right: the truth fits
        assert high - low >= run.k
    # the attacker read every kind of table the run shows
    kinds = {"figure", "answers", "summary", "side_by_side", "tests", "paired", "indices", "reliability"}
    assert kinds <= set(run.seen.tables)
    assert result.intervals  # small cohorts always have suppressed cells


@pytest.mark.parametrize("name", list(COHORTS))
def test_attacker_agrees_with_the_runs_own_audit(runs: dict[str, Run], name: str) -> None:
    """The production audit (disclosure/audit.csv) and this independent attacker find the same intervals."""
    run = runs[name]
    result = attack(run.seen, run.rows, run.k)
    audit = {
        (r["item_id"], r["category_id"]): (int(r["lower"]), int(r["upper"]))
        for r in read_csv(run.out / "disclosure" / "audit.csv")
        if r["dataset"] == run.cohort.name
    }
    assert audit == result.intervals
    assert {r["status"] for r in read_csv(run.out / "disclosure" / "audit.csv")} == {"protected"}


def test_html_pages_were_read(runs: dict[str, Run]) -> None:
    """The site (one language: the run's) read as HTML, every item's page with its cells."""
    run = runs["n7k3"]
    pages = {w for cells in run.seen.cells.values() for w in cells if w.startswith("site/")}
    languages = sorted(p.name for p in (run.out / "site").iterdir() if p.is_dir())
    assert languages == ["en"]
    assert {f"site/en/exhibits/figure_{item}.html" for item in Q.items} <= pages


@pytest.mark.parametrize("name", list(COHORTS))
def test_attacker_read_the_tables_in_the_runs_language(runs: dict[str, Run], name: str) -> None:
    """Never vacuous: the translated tables were recognised, with a shown or hidden value for every cell."""
    run = runs[name]
    notebook_cells = {(i, c) for (i, c), w in run.seen.cells.items() if any(s.startswith("notebooks/") for s in w)}
    assert notebook_cells == {(i, c) for i in Q.items for c in Q.categories[i]}  # the cohorts table shows them all
    assert sum(run.seen.tables.values()) >= 8 + len(figure_items(run))


# --- the concrete leaks of issue 19 --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(COHORTS))
def test_figure_table_and_csv_show_the_same_cells(runs: dict[str, Run], name: str) -> None:
    """The figure's table (notebook, site) and the item's CSV: same rows, 'no answer' included, same values."""
    run = runs[name]
    for item in figure_items(run):
        for cat in Q.categories[item]:
            sources = run.seen.cells.get((item, cat), {})
            figure = {w: v for w, v in sources.items() if f"figure_{item}." in w}
            csv_value = sources.get(f"data/{item}.csv", sources.get("processed/counts.csv"))
            assert figure, f"{item}/{cat} has no row in its figure's table"  # a zero 'no answer' is never dropped
            assert set(figure.values()) == {csv_value}, (item, cat, figure, csv_value)


def svg_bars(path: Path) -> tuple[dict[str, float], float]:
    """Widths of the filled patches of the axes by colour, and the width of the axes box (pixels)."""
    text = path.read_text(encoding="utf-8")
    text = text[text.index('<g id="axes_1">') :]
    widths: dict[str, float] = {}
    axes = None
    for d, fill in re.findall(r'<path d="([^"]+)"[^>]*?style="fill: (#[0-9a-f]{6})', text):
        xs = [float(x) for x in re.findall(r"[ML] (-?[\d.]+) -?[\d.]+", d)]
        if len(xs) < 4:
            continue
        width = max(xs) - min(xs)
        if axes is None:  # the axes' own background comes first
            axes = width
        else:
            widths[fill] = widths.get(fill, 0.0) + width
    return widths, axes or 1.0


@pytest.mark.parametrize("name", list(COHORTS))
def test_item_figures_draw_exactly_the_shown_cells(runs: dict[str, Run], name: str) -> None:
    """Bars in the SVG: one per shown non-zero cell, of its count's length; none for a suppressed cell."""
    run = runs[name]
    n = len(run.rows)
    for item in figure_items(run):
        widths, axes = svg_bars(run.out / "figures" / f"{item}_en.svg")
        shown = {}
        for cat in Q.categories[item]:
            value = run.seen.cells[(item, cat)].get("processed/counts.csv")
            if value:
                shown[Q.color[(item, cat)]] = shown.get(Q.color[(item, cat)], 0) + value
        drawn = {c: w for c, w in widths.items() if c in set(Q.color.values())}
        assert set(drawn) == set(shown), (item, drawn, shown)
        for color, count in shown.items():  # the x axis runs from 0 to 100 % (shares in a column of their own)
            assert drawn[color] / axes * 100 * n / 100 == pytest.approx(count, abs=0.05), (item, color)


@pytest.mark.parametrize("name", list(COHORTS))
def test_microdata_answers_follow_from_the_item_tables(runs: dict[str, Run], name: str) -> None:
    """Answered / don't know / no answer are shown only where the item's CSV already gives them."""
    run = runs[name]
    n = len(run.rows)
    for item, cats, value, where in run.seen.sums:
        if not where.startswith("notebooks/microdata"):
            continue
        csv_cells = {c: run.seen.cells[(item, c)].get("processed/counts.csv") for c in Q.categories[item]}
        inside = [csv_cells[c] for c in cats]
        outside = [csv_cells[c] for c in Q.categories[item] if c not in cats]
        assert None not in inside or None not in outside, (item, sorted(cats), value)
        assert value == (sum(inside) if None not in inside else n - sum(outside))


@pytest.mark.parametrize("name", list(COHORTS))
def test_cross_item_statistics_only_with_a_passing_joint_table(runs: dict[str, Run], name: str) -> None:
    """a>b + a<b + a=b = n_pairs, means and rho give joint cells back: never shown below k (checked on the data)."""
    run = runs[name]
    for items, where in run.seen.cross:
        assert joint_passes(run.rows, list(dict.fromkeys(items)), run.k), (items, where)
    paired = (run.out / "notebooks" / "microdata.ipynb").read_text(encoding="utf-8")
    reason = {r["key"]: r for r in read_csv(RAW / "instrument" / "labels.csv")}["withheld_joint"]
    assert any(reason[lang].split(":")[0] in paired for lang in ("da", "no", "en"))  # said, in the run's language


def test_unprotected_run_leaves_nothing_in_a_protected_folder(runs: dict[str, Run]) -> None:
    """The same folder held an unprotected run (the results notebook, its pages): all gone or regenerated."""
    out = runs["n7k3"].out
    assert not (out / "notebooks" / "results.ipynb").exists()
    assert not list(out.rglob("results.ipynb")) and not list((out / "site").rglob("results.html"))
    for page in (out / "site").glob("*/results/*.html"):
        text = re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8"))
        assert "%" not in text, page  # the results chapter's percentages are not published
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["min_count"] == 3 and "results" not in manifest["jobs"]


# --- releases: differencing ------------------------------------------------------------------------------------


def refused(code: int, err: str) -> bool:
    return code == 2 and "differs from an earlier one by fewer than" in err and "subtract" in err


def test_second_release_one_respondent_apart_is_refused(runs, tmp_path: Path, capsys) -> None:
    run = runs["n23k5"]
    more = tmp_path / run.cohort.name
    extra = make_cohort(tmp_path / "extra.csv", 1, 99)
    lines = run.cohort.read_text(encoding="utf-8").splitlines()
    extra_line = (tmp_path / "extra.csv").read_text(encoding="utf-8").splitlines()[1]
    more.write_text("\n".join([*lines, extra_line]) + "\n", encoding="utf-8")
    before = sorted(p.relative_to(run.out).as_posix() for p in run.out.rglob("*") if p.is_file())
    capsys.readouterr()
    assert refused(reproduce(more, run.out, run.k, "--no-site"), capsys.readouterr().err)  # same folder
    after = sorted(p.relative_to(run.out).as_posix() for p in run.out.rglob("*") if p.is_file())
    assert before == after  # nothing written
    # another folder, the earlier release registered in a log: refused too; one respondent fewer likewise
    log = tmp_path / "releases.jsonl"
    log.write_text((run.out / "disclosure" / "release.json").read_text(encoding="utf-8"), encoding="utf-8")
    assert refused(reproduce(more, tmp_path / "elsewhere", run.k, "--release-log", str(log)), capsys.readouterr().err)
    fewer = tmp_path / "fewer.csv"
    fewer.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    assert refused(reproduce(fewer, tmp_path / "fewer", run.k, "--release-log", str(log)), capsys.readouterr().err)
    assert not (tmp_path / "elsewhere").exists() and not (tmp_path / "fewer").exists()
    assert len(extra) == 1


def test_release_log_allows_k_more_respondents_and_overlap_on_request(runs, tmp_path: Path, capsys) -> None:
    run = runs["n23k5"]
    log = tmp_path / "releases.jsonl"
    log.write_text((run.out / "disclosure" / "release.json").read_text(encoding="utf-8"), encoding="utf-8")
    lines = run.cohort.read_text(encoding="utf-8").splitlines()
    five = (make_cohort(tmp_path / "five.csv", 5, 7), (tmp_path / "five.csv").read_text(encoding="utf-8"))[1]
    grown = tmp_path / "grown.csv"
    grown.write_text("\n".join([*lines, *five.splitlines()[1:]]) + "\n", encoding="utf-8")
    only = ["--only", "overview", "--no-site"]
    assert reproduce(grown, tmp_path / "grown", run.k, "--release-log", str(log), *only) == 0  # 5 = k more
    one = tmp_path / "one.csv"
    one.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert reproduce(one, tmp_path / "one", run.k, "--release-log", str(log), "--allow-overlap", *only) == 0
    assert "--allow-overlap" in capsys.readouterr().err
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [r["respondents"] for r in records] == [23, 28, 22] and records[-1]["allowed_overlap"] is True
    # the fingerprint holds no answer and no id: bucket counts only
    assert set(records[0]) == {"format", "data", "min_count", "respondents", "buckets", "histogram"}
    assert sum(records[0]["histogram"]) == 23
