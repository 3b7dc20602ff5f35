"""The linked-table audit of a ``--min-count`` run, from the files the run wrote.

After the notebooks ran, :func:`audit_run` reads the output folder back:

* the machine-readable tables (``processed/counts.csv``, ``processed/item_summary.csv``, ``data/<item>.csv``)
  with their known columns;
* every output of every executed notebook: a table or text showing numbers carries its record (the terms of
  :mod:`samskab_analysis.stats.registry`) in its metadata; an output with digits and no record is a finding
  (so a new output cannot escape the audit), figure images aside;
* every other file must be a rendering of those (figures recorded in the manifest, the site, the PDFs) or
  the run's own bookkeeping, else it is a finding.

The published numbers become linear relations between the unknown cells of each respondent dataset (an
item's cells sum to N; a shown cell or sum is fixed; a rounded percentage bounds a sum), and
:func:`samskab_analysis.stats.audit.feasible_intervals` gives every suppressed cell its feasible interval
(integer programming with HiGHS). The run is protected when every interval is at least k wide, every
non-linear statistic rests only on shown cells, and every cross-item statistic's joint table passes the rule
(checked against the data). ``disclosure/audit.csv`` lists each suppressed cell with its interval.

The published study's reconstructed counts come from a public report: they are not respondent data and are
not audited (``audit.csv`` lists only the cells of respondent datasets).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from samskab_analysis.data.count_table import NO_ANSWER, NOT_REACHED
from samskab_analysis.output import write_text
from samskab_analysis.output.places import LOCK_NAME
from samskab_analysis.stats.audit import Interval, Relation, feasible_intervals
from samskab_analysis.stats.disclosure import SUPPRESSED
from samskab_analysis.stats.registry import KEY, PUBLISHED_DATASET

AUDIT_DIR = "disclosure"
AUDIT_FILE = "audit.csv"

#: Output entries that are renderings of the audited notebooks and tables, or the run's bookkeeping.
RENDERINGS = ("site", "pdf", ".site-src", "html")
BOOKKEEPING = ("manifest.json", "index.html", AUDIT_DIR, ".gitignore", LOCK_NAME)  # LOCK_NAME: the output gate's lock
#: Folders of ``reports/`` that other commands (or other runs) write: not this run's outputs.
OTHERS = ("cohorts", "scratch", "screenshots", "archive", "instrument")
#: A figure shown inline: matplotlib's text form of it carries no data (its size in pixels, fractional too).
FIGURE_REPR = re.compile(r"^<Figure size \d+(?:\.\d+)?x\d+(?:\.\d+)? with \d+ Axes>$")
DIGIT = re.compile(r"\d")
#: Tables of the published report (public) that a run of the published study writes.
PUBLIC_TABLES = ("claims_ledger.csv", "design.csv")


@dataclass
class Published:
    """Everything the run's outputs publish about its datasets."""

    terms: list[tuple[dict, str]] = field(default_factory=list)  # (term, where)
    findings: list[str] = field(default_factory=list)

    def add(self, term: dict, where: str) -> None:
        self.terms.append((term, where))


@dataclass
class AuditResult:
    """Per suppressed cell its interval; findings that make the run unprotected."""

    rows: list[dict[str, object]]
    findings: list[str]
    k: int

    @property
    def protected(self) -> bool:
        return not self.findings


# --- reading the outputs back ---------------------------------------------------------------------------------


def _number(text: str) -> Decimal | None:
    text = (text or "").strip()
    if not text or text == SUPPRESSED:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _tolerance(value: Decimal) -> float:
    """Half a unit of the last digit written (``0.2857`` -> 0.00005)."""
    return 0.5 * 10.0 ** value.as_tuple().exponent


def _read_rows(path: Path) -> list[dict[str, str]]:
    text = path.read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def count_rows(path: Path, dataset: str, published: Published, where: str) -> None:
    """Terms of a long count table (``counts.csv``, ``data/<item>.csv``)."""
    for row in _read_rows(path):
        item, category = row.get("item_id", ""), row.get("category_id", "")
        n = _number(row.get("n", ""))
        if n is not None:
            published.add({"kind": "n", "dataset": dataset, "value": int(n)}, where)
        count = _number(row.get("count", ""))
        if count is not None:
            published.add({"kind": "cells", "dataset": dataset, "item": item, "categories": [category],
                           "value": int(count)}, where)  # fmt: skip
        elif row.get("count", "").strip() == SUPPRESSED:
            published.add({"kind": "suppressed", "dataset": dataset, "item": item, "categories": [category]}, where)
        share = _number(row.get("share", ""))
        if share is not None:
            published.add({"kind": "share", "dataset": dataset, "item": item, "categories": [category],
                           "value": float(100 * share), "tolerance": 100 * _tolerance(share)}, where)  # fmt: skip
        for column in ("count_min", "count_max", "completions"):
            if _number(row.get(column, "")) is not None and dataset != PUBLISHED_DATASET:
                published.findings.append(f"{where}: {column} of {item}/{category} is published for respondent data")


def summary_rows(path: Path, dataset: str, scales: dict[str, dict[str, list[str]]], published: Published,
                 where: str) -> None:  # fmt: skip
    """Terms of an item summary (``item_summary.csv``)."""
    for row in _read_rows(path):
        item = row.get("item_id", "")
        groups = scales.get(item)
        if groups is None:
            published.findings.append(f"{where}: unknown item {item!r}")
            continue
        n = _number(row.get("n", ""))
        if n is not None:
            published.add({"kind": "n", "dataset": dataset, "value": int(n)}, where)
        for column, cats in (("n_scored", groups["scored"]), ("top_box_count", groups["top"])):
            value = _number(row.get(column, ""))
            if value is not None:
                published.add({"kind": "cells", "dataset": dataset, "item": item, "categories": cats,
                               "value": int(value)}, where)  # fmt: skip
        unscored = _number(row.get("n_not_scored", ""))
        if unscored is not None and n is not None:  # N minus the scored cells (blanks, 'not reached' included)
            published.add({"kind": "cells", "dataset": dataset, "item": item, "categories": groups["scored"],
                           "value": int(n - unscored)}, where)  # fmt: skip
        elif unscored is not None:
            published.findings.append(f"{where}: n_not_scored of {item} without its N")
        share = _number(row.get("top_box_share", ""))
        if share is not None:
            published.add({"kind": "share", "dataset": dataset, "item": item, "categories": groups["top"],
                           "value": float(100 * share), "tolerance": 100 * _tolerance(share)}, where)  # fmt: skip
        for column in ("mean_score", "median_score", "sd_score"):
            if _number(row.get(column, "")) is not None:
                published.add({"kind": "statistic", "dataset": dataset, "item": item,
                               "categories": groups["scored"]}, where)  # fmt: skip


def _output_text(output: dict) -> str:
    if output.get("output_type") == "stream":
        text = output.get("text", "")
    elif output.get("output_type") == "error":
        text = "\n".join([output.get("ename", ""), output.get("evalue", ""), *output.get("traceback", [])])
    else:
        data = output.get("data", {})
        text = "".join(
            "".join(v) if isinstance(v, list) else str(v)
            for mime, v in data.items()
            if mime.startswith("text/") or mime.endswith("json")
        )
    return "".join(text) if isinstance(text, list) else str(text)


def notebook_terms(path: Path, published: Published, where: str) -> None:
    """Terms recorded in a notebook's outputs; an output with digits and no record is a finding."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        published.findings.append(f"{where}: not a readable notebook ({err})")
        return
    for index, cell in enumerate(nb.get("cells", [])):
        for output in cell.get("outputs", []):
            record = (output.get("metadata") or {}).get(KEY)
            if isinstance(record, dict):
                for term in record.get("terms", []):
                    published.add(term, f"{where} cell {index}")
                continue
            data = output.get("data", {})
            if any(m.startswith("image/") for m in data) and FIGURE_REPR.match(str(_plain(data)).strip()):
                continue  # a figure shown inline: the same drawing as its saved file
            text = _output_text(output)
            if DIGIT.search(text):
                first = next((line.strip() for line in text.splitlines() if DIGIT.search(line)), "")[:80]
                published.findings.append(
                    f"{where} cell {index}: an output shows numbers without a disclosure record ({first!r})"
                )


def _plain(data: dict) -> str:
    value = data.get("text/plain", "")
    return "".join(value) if isinstance(value, list) else str(value)


def recorded_figures(out_dir: Path) -> set[str]:
    """Figure files the manifest records for the run's jobs (paths relative to the output folder)."""
    try:
        manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    jobs = manifest.get("jobs", {}) if isinstance(manifest, dict) else {}
    return {str(f) for entry in jobs.values() if isinstance(entry, dict) for f in entry.get("figures", [])}


def read_outputs(
    out_dir: Path, processed_dir: Path, dataset: str, scales: dict[str, dict[str, list[str]]], *,
    figures: set[str] | None = None,
) -> Published:  # fmt: skip
    """Everything the files of *out_dir* (and *processed_dir*) publish, and what cannot be audited."""
    out_dir, processed_dir = Path(out_dir), Path(processed_dir)
    published = Published()
    figures = recorded_figures(out_dir) if figures is None else figures
    files = sorted(p for p in out_dir.rglob("*") if p.is_file())
    if not _inside(processed_dir, out_dir):
        files += sorted(p for p in processed_dir.glob("*") if p.is_file())
    for path in files:
        where = _rel(path, out_dir)
        top = Path(where).parts[0]
        if top in RENDERINGS or top in BOOKKEEPING or (top in OTHERS and len(Path(where).parts) > 1):
            continue
        if path.suffix == ".ipynb" and top in ("notebooks", "failed"):
            notebook_terms(path, published, where)
        elif top == "figures":
            if where not in figures:
                published.findings.append(f"{where}: a figure no notebook of the run recorded")
        elif path.suffix == ".csv" and path.parent == processed_dir and path.name == "counts.csv":
            count_rows(path, dataset, published, where)
        elif path.suffix == ".csv" and path.parent == processed_dir and path.name == "item_summary.csv":
            summary_rows(path, dataset, scales, published, where)
        elif path.suffix == ".csv" and path.parent == processed_dir and path.name in PUBLIC_TABLES:
            if dataset != PUBLISHED_DATASET:
                published.findings.append(f"{where}: the published report's tables in a respondent-data run")
        elif path.suffix == ".csv" and top == "data" and path.parent == out_dir / "data":
            count_rows(path, dataset, published, where)
        else:
            published.findings.append(f"{where}: an output the disclosure audit does not know")
    return published


def _inside(path: Path, folder: Path) -> bool:
    path, folder = Path(path).resolve(), Path(folder).resolve()
    return path == folder or folder in path.parents


def _rel(path: Path, out_dir: Path) -> str:
    try:
        return path.resolve().relative_to(Path(out_dir).resolve()).as_posix()
    except ValueError:
        return path.name


# --- the audit ------------------------------------------------------------------------------------------------


def item_groups(instrument) -> dict[str, dict[str, list[str]]]:
    """Per item: all its cells (with ``no_answer``; ``not_reached`` is added for a dataset that has it), the
    scored and top-box categories."""
    out = {}
    for item_id in instrument.item_ids:
        scale = instrument.scale_rows(instrument.items.at[item_id, "scale_id"])
        scored = [str(c) for c in scale.index if scale.at[c, "score"] == scale.at[c, "score"]]
        out[item_id] = {
            "cells": [*map(str, scale.index), NO_ANSWER],
            "scored": scored,
            "top": [str(c) for c in scale.index if bool(scale.at[c, "top_box"])],
        }
    return out


def audit_terms(
    published: Published,
    groups: dict[str, dict[str, list[str]]],
    k: int,
    joint_passes: Callable[[str, list[str]], bool | None],
) -> AuditResult:
    """Feasible intervals of every unknown cell of every respondent dataset, and the findings."""
    findings = list(published.findings)
    by_dataset: dict[str, list[tuple[dict, str]]] = {}
    for term, where in published.terms:
        kind = term.get("kind")
        if kind == "public":
            continue
        dataset = str(term.get("dataset", ""))
        if kind not in ("n", "cells", "share", "statistic", "joint", "suppressed"):
            findings.append(f"{where}: a record term of unknown kind {kind!r}")
            continue
        by_dataset.setdefault(dataset, []).append((term, where))
    rows: list[dict[str, object]] = []
    for dataset, terms in sorted(by_dataset.items()):
        if dataset == PUBLISHED_DATASET:
            continue
        rows += _audit_dataset(dataset, terms, groups, k, joint_passes, findings)
    return AuditResult(rows, findings, k)


@dataclass
class _Linear:
    """A dataset's published numbers as the integer programme sees them."""

    fixed: dict[tuple[str, str], int] = field(default_factory=dict)  # shown cells
    relations: list[Relation] = field(default_factory=list)
    items: set[str] = field(default_factory=set)
    suppressed: dict[tuple[str, str], str] = field(default_factory=dict)  # cells shown as suppressed, and where


def _linear(dataset: str, terms, groups, n: int, joint_passes, findings: list[str]) -> _Linear:
    """Shown cells, sums and rounded shares as relations; joint-table claims checked on the data."""
    out = _Linear()
    for term, where in terms:
        kind = term["kind"]
        if kind == "joint":
            listed = [str(i) for i in term.get("items", [])]
            verdict = joint_passes(dataset, listed)
            if verdict is None:
                findings.append(f"{where}: cannot check the joint table of {listed} in {dataset}")
            elif not verdict:
                findings.append(f"{where}: a statistic over {listed} is shown but their joint table fails the rule")
            continue
        if kind not in ("cells", "share", "statistic", "suppressed"):
            continue
        item, cats = str(term.get("item", "")), [str(c) for c in term.get("categories", [])]
        if item not in groups or not cats or not set(cats) <= set(groups[item]["cells"]):
            findings.append(f"{where}: a term about unknown cells {item}/{cats}")
            continue
        out.items.add(item)
        cells = [(dataset, item, c) for c in cats]
        if kind == "suppressed":
            for cat in cats:
                out.suppressed.setdefault((item, cat), where)
        elif kind == "cells" and len(cats) == 1:  # a shown cell: its unknown is fixed
            previous = out.fixed.setdefault((item, cats[0]), int(term["value"]))
            if previous != int(term["value"]):
                findings.append(f"{where}: {item}/{cats[0]} published as {term['value']} and {previous}")
        elif kind == "cells":
            out.relations.append(Relation.equals(cells, int(term["value"]), where))
        elif kind == "share":
            tol = float(term["tolerance"]) if "tolerance" in term else 0.5 * 10.0 ** -int(term.get("digits", 0))
            low, high = float(term["value"]) - tol - 1e-9, float(term["value"]) + tol + 1e-9
            out.relations.append(Relation({c: 100.0 / n for c in cells}, low, high, where))
    for (item, cat), where in out.suppressed.items():
        if (item, cat) in out.fixed:
            findings.append(f"{where}: {item}/{cat} is suppressed here but shown elsewhere as {out.fixed[(item, cat)]}")
    for item in out.items:
        out.relations.append(Relation.equals([(dataset, item, c) for c in groups[item]["cells"]], n, f"{dataset}: N"))
    return out


def _audit_dataset(dataset, terms, groups, k, joint_passes, findings) -> list[dict[str, object]]:
    """Feasible intervals of one respondent dataset's unknown cells; the findings are appended."""
    sizes = {int(t["value"]) for t, _ in terms if t["kind"] == "n"}
    if len(sizes) != 1:
        findings.append(f"{dataset}: {'no N' if not sizes else 'conflicting N'} published ({sorted(sizes)})")
        return []
    n = sizes.pop()
    if n < k:
        findings.append(f"{dataset}: N = {n} is below --min-count {k}")
    if any(NOT_REACHED in t.get("categories", []) for t, _ in terms):  # incomplete responses kept: a cell more
        groups = {i: {**g, "cells": [*g["cells"], NOT_REACHED]} for i, g in groups.items()}
    linear = _linear(dataset, terms, groups, n, joint_passes, findings)
    bounds = {(dataset, item, c): (0, n) for item in linear.items for c in groups[item]["cells"]}
    for (item, cat), value in linear.fixed.items():
        bounds[(dataset, item, cat)] = (value, value)
    unknown = [v for v in bounds if bounds[v][0] != bounds[v][1]]
    try:
        intervals = feasible_intervals(_open_relations(linear.relations, bounds, findings), unknown, bounds)
    except ValueError as err:
        findings.append(f"{dataset}: the published numbers contradict each other ({err})")
        return []
    for term, where in terms:  # a non-linear statistic only of shown cells
        if term["kind"] == "statistic" and str(term.get("item", "")) in linear.items:
            loose = [c for c in term["categories"] if (dataset, term["item"], c) in intervals]
            if loose:
                findings.append(f"{where}: a statistic of {term['item']} uses suppressed cells {loose}")
    rows = []
    for (ds, item, cat), interval in sorted(intervals.items(), key=lambda kv: _order(kv[0], groups)):
        ok = interval.protected(k)
        if not ok:
            findings.append(f"{ds}: {item}/{cat} is not protected: the outputs leave only {interval.width + 1} "
                            f"possible values (at least {k + 1} required)")  # fmt: skip
        rows.append(_row(ds, item, cat, interval, k, ok))
    return rows


def _open_relations(relations: list[Relation], bounds: dict, findings: list[str]) -> list[Relation]:
    """Relations with an unknown cell; those of shown cells only are checked here and dropped."""
    out = []
    for rel in relations:
        if all(bounds[v][0] == bounds[v][1] for v in rel.coefs):
            value = sum(c * bounds[v][0] for v, c in rel.coefs.items())
            if not rel.lower <= value <= rel.upper:
                findings.append(f"{rel.source}: a published number disagrees with the shown cells")
            continue
        out.append(rel)
    return out


def _order(key: tuple[str, str, str], groups) -> tuple:
    ds, item, cat = key
    order = list(groups)
    return (ds, order.index(item) if item in order else len(order), groups.get(item, {}).get("cells", []).index(cat))


def _row(dataset: str, item: str, category: str, interval: Interval, k: int, ok: bool) -> dict[str, object]:
    return {
        "dataset": dataset,
        "item_id": item,
        "category_id": category,
        "lower": interval.lower,
        "upper": interval.upper,
        "width": interval.width,
        "required_width": k,
        "status": "protected" if ok else "NOT PROTECTED",
    }


AUDIT_COLUMNS = ("dataset", "item_id", "category_id", "lower", "upper", "width", "required_width", "status")


def write_audit(out_dir: Path, result: AuditResult) -> Path:
    """``disclosure/audit.csv``: one row per suppressed cell with its feasible interval (only when protected)."""
    path = Path(out_dir) / AUDIT_DIR / AUDIT_FILE
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=AUDIT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    if result.protected:  # the intervals of an unprotected run would themselves tell the cells
        writer.writerows(result.rows)
    return write_text(path, buffer.getvalue())


def audit_run(
    out_dir: Path,
    k: int,
    *,
    processed_dir: Path | None = None,
    dataset: str = PUBLISHED_DATASET,
    data_dir: Path | None = None,
    respondents: Callable[[str], object] | None = None,
    write: bool = True,
) -> AuditResult:
    """Audit the files of a ``--min-count k`` run in *out_dir*; write ``disclosure/audit.csv``.

    *dataset* names the run's own data (its CSV tables carry no name), *respondents(name)* returns the
    validated answers of a respondent dataset (to check joint tables) or None.
    """
    from samskab_analysis.data.instrument import load_instrument
    from samskab_analysis.paths import DATA_DIR
    from samskab_analysis.stats.disclosure import joint_table_passes, study_categories

    instrument = load_instrument(data_dir or DATA_DIR)
    groups = item_groups(instrument)
    out_dir = Path(out_dir)
    published = read_outputs(out_dir, processed_dir or out_dir / "processed", dataset, groups)
    categories = study_categories(instrument)
    cache: dict[str, object] = {}

    def joint(name: str, items: list[str]) -> bool | None:
        if respondents is None:
            return None
        if name not in cache:
            cache[name] = respondents(name)
        answers = cache[name]
        if answers is None or not set(items) <= set(categories):
            return None
        return joint_table_passes(answers, items, categories, k)  # type: ignore[arg-type]

    result = audit_terms(published, groups, k, joint)
    if write:
        write_audit(out_dir, result)
    return result


def summary(result: AuditResult, limit: int = 12) -> str:
    """A few lines for the terminal."""
    if result.protected:
        cells = len(result.rows)
        narrow = min((int(r["width"]) for r in result.rows), default=None)
        return (
            f"disclosure audit: {cells} suppressed cells, every one at least {result.k} wide"
            + (f" (narrowest {narrow})" if narrow is not None else "")
        )
    lines = [f"disclosure audit FAILED ({len(result.findings)} findings):"]
    lines += [f"  {f}" for f in result.findings[:limit]]
    if len(result.findings) > limit:
        lines.append(f"  … and {len(result.findings) - limit} more")
    return "\n".join(lines)


def unique_findings(findings: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(findings))
