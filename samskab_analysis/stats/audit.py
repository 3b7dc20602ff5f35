"""Linked-table audit: the values a suppressed cell can take, given every number a run publishes.

Statistical offices audit a protected table set this way (τ-ARGUS, sdcTable): each cell is a non-negative
integer unknown; every published number is a linear relation between unknowns (an item's N is the sum of its
cells, a shown cell fixes its unknown, a rounded percentage bounds a sum, a paired comparison's ``a>b`` is a
sum of joint cells, …). For every suppressed cell the smallest and the largest value consistent with *all*
relations at once is found by integer programming (``scipy.optimize.milp``, HiGHS), one connected group of
relations at a time; a group made of one sum with unit coefficients is solved in closed form.

A suppressed cell is **protected** when its feasible interval is at least *k* wide (``upper - lower >= k``):
then its true value is never determined, and it could be anything across k + 1 neighbouring counts.
:func:`protect` applies the suppression rule and then suppresses further cells until every suppressed cell is
protected (or says it cannot).

Pure: no files, no pandas.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

Var = Hashable


@dataclass(frozen=True)
class Relation:
    """``lower <= sum(coef * x[var]) <= upper`` over integer unknowns (an equality when lower == upper)."""

    coefs: Mapping[Var, float]
    lower: float
    upper: float
    source: str = ""  # where the number was published (for the audit's report)

    @classmethod
    def equals(cls, variables: Iterable[Var], value: float, source: str = "") -> Relation:
        """The sum of *variables* (each once) is *value*."""
        return cls({v: 1.0 for v in variables}, float(value), float(value), source)


@dataclass(frozen=True)
class Interval:
    """The values a suppressed cell can take, given every published relation."""

    lower: int
    upper: int

    @property
    def width(self) -> int:
        return self.upper - self.lower

    def protected(self, k: int) -> bool:
        """At least *k* wide (so never determined for k >= 1)."""
        return self.width >= k and self.width > 0


class InfeasibleError(ValueError):
    """The published relations contradict each other (a bug in what was published, never expected)."""


@dataclass
class _Components:
    parent: dict[Var, Var] = field(default_factory=dict)

    def find(self, v: Var) -> Var:
        self.parent.setdefault(v, v)
        while self.parent[v] != v:
            self.parent[v] = self.parent[self.parent[v]]
            v = self.parent[v]
        return v

    def union(self, a: Var, b: Var) -> None:
        self.parent[self.find(a)] = self.find(b)


def _groups(relations: Sequence[Relation], targets: Iterable[Var]) -> list[tuple[list[Var], list[Relation]]]:
    """Connected groups of unknowns (linked by a relation) that contain a target, with their relations."""
    comp = _Components()
    for rel in relations:
        keys = list(rel.coefs)
        for key in keys:
            comp.find(key)
        for key in keys[1:]:
            comp.union(keys[0], key)
    wanted = {comp.find(t) for t in targets}
    variables: dict[Var, list[Var]] = {}
    for v in list(comp.parent):
        root = comp.find(v)
        if root in wanted:
            variables.setdefault(root, []).append(v)
    for t in targets:  # a target in no relation at all: a group of its own
        if t not in comp.parent:
            variables[comp.find(t)] = [t]
    grouped: dict[Var, list[Relation]] = {root: [] for root in variables}
    for rel in relations:
        root = comp.find(next(iter(rel.coefs)))
        if root in grouped:
            grouped[root].append(rel)
    return [(variables[root], grouped[root]) for root in variables]


def _closed_form(group: list[Var], rels: list[Relation], bounds: Mapping[Var, tuple[int, int]]) -> dict | None:
    """Intervals of a group tied by one unit-coefficient sum (lower == upper), else None."""
    if len(rels) != 1 or rels[0].lower != rels[0].upper or any(c != 1.0 for c in rels[0].coefs.values()):
        return None
    total = rels[0].lower
    if total != int(total):
        raise InfeasibleError(f"a sum of counts is not a whole number ({rels[0].source})")
    lows = {v: bounds[v][0] for v in group}
    highs = {v: bounds[v][1] for v in group}
    if not sum(lows.values()) <= total <= sum(highs.values()):
        raise InfeasibleError(f"no table fits the published numbers ({rels[0].source})")
    out = {}
    for v in group:
        rest_low = sum(lows.values()) - lows[v]
        rest_high = sum(highs.values()) - highs[v]
        out[v] = Interval(int(max(lows[v], total - rest_high)), int(min(highs[v], total - rest_low)))
    return out


def _milp_intervals(
    group: list[Var], rels: list[Relation], bounds: Mapping[Var, tuple[int, int]], targets: set[Var]
) -> dict[Var, Interval]:
    from scipy.optimize import Bounds, LinearConstraint, milp

    index = {v: i for i, v in enumerate(group)}
    matrix = np.zeros((len(rels), len(group)))
    lower = np.empty(len(rels))
    upper = np.empty(len(rels))
    for r, rel in enumerate(rels):
        for v, c in rel.coefs.items():
            matrix[r, index[v]] += c
        lower[r], upper[r] = rel.lower, rel.upper
    box = Bounds([bounds[v][0] for v in group], [bounds[v][1] for v in group])
    constraints = [LinearConstraint(matrix, lower - 1e-9, upper + 1e-9)] if rels else []
    integrality = np.ones(len(group))
    out = {}
    for v in group:
        if v not in targets:
            continue
        ends = []
        for sign in (1.0, -1.0):
            objective = np.zeros(len(group))
            objective[index[v]] = sign
            result = milp(objective, constraints=constraints, bounds=box, integrality=integrality)
            if result.status != 0 or result.x is None:
                raise InfeasibleError(f"no table fits the published numbers around {v!r}: {result.message}")
            ends.append(int(round(result.x[index[v]])))
        out[v] = Interval(ends[0], ends[1])
    return out


def feasible_intervals(
    relations: Sequence[Relation], targets: Iterable[Var], bounds: Mapping[Var, tuple[int, int]]
) -> dict[Var, Interval]:
    """For every target unknown, the smallest and largest integer value consistent with all *relations*.

    *bounds* gives every unknown's box (``(0, N)`` for a count of N respondents; an unknown missing there is
    taken as ``(0, 10**9)``). Raises :class:`InfeasibleError` when the relations have no solution.
    """
    targets = list(dict.fromkeys(targets))
    box = dict(bounds)
    out: dict[Var, Interval] = {}
    for group, rels in _groups(relations, targets):
        for v in group:
            box.setdefault(v, (0, 10**9))
        closed = _closed_form(group, rels, box)
        found = closed if closed is not None else _milp_intervals(group, rels, box, set(targets))
        out.update({v: found[v] for v in group if v in set(targets)})
    return {t: out[t] for t in targets}


@dataclass(frozen=True)
class Table:
    """One published distribution: its cells (unknown names and true counts); the total is published."""

    name: str
    cells: tuple[Var, ...]
    counts: tuple[int, ...]


class ProtectionError(ValueError):
    """Suppression cannot make every suppressed cell protected (every cell of a table already suppressed)."""


def protect(
    tables: Sequence[Table],
    k: int,
    rule: Callable[[Sequence[int], int], list[bool]],
    extra: Callable[[set[Var]], list[Relation]] | None = None,
) -> tuple[set[Var], dict[Var, Interval]]:
    """Suppressed cells of *tables* (the *rule* first, then more until every suppressed cell is protected).

    The published relations are: each table's total, each shown cell's value, and *extra(hidden)* (further
    numbers the outputs publish given the suppressed set). While a suppressed cell's feasible interval is
    narrower than *k*, the smallest shown cell of its table is suppressed too. Returns the suppressed cells
    and their intervals; raises :class:`ProtectionError` when a table runs out of cells to suppress.
    """
    hidden: set[Var] = set()
    for table in tables:
        flags = rule(list(table.counts), k)
        hidden |= {c for c, h in zip(table.cells, flags, strict=True) if h}
    if k <= 0:
        return hidden, {}
    of_table = {c: t for t in tables for c in t.cells}
    while True:
        intervals = audit_tables(tables, hidden, extra(hidden) if extra else [])
        failing = [v for v, iv in intervals.items() if not iv.protected(k)]
        if not failing:
            return hidden, intervals
        table = of_table[failing[0]]
        pairs = enumerate(zip(table.cells, table.counts, strict=True))
        shown = sorted((n, i) for i, (c, n) in pairs if c not in hidden)
        if not shown:
            raise ProtectionError(f"{table.name}: every cell is suppressed and a suppressed cell is still determined")
        hidden.add(table.cells[shown[0][1]])


def audit_tables(tables: Sequence[Table], hidden: set[Var], extra: Sequence[Relation] = ()) -> dict[Var, Interval]:
    """Feasible intervals of the *hidden* cells of *tables* given totals, shown cells and *extra* relations."""
    relations: list[Relation] = []
    bounds: dict[Var, tuple[int, int]] = {}
    for table in tables:
        total = int(sum(table.counts))
        relations.append(Relation.equals(table.cells, total, f"{table.name}: N"))
        for cell, count in zip(table.cells, table.counts, strict=True):
            bounds[cell] = (0, total) if cell in hidden else (int(count), int(count))  # a shown cell is fixed
    return feasible_intervals([*relations, *extra], [c for t in tables for c in t.cells if c in hidden], bounds)
