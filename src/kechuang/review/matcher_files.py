"""openreview-matcher's file formats for ``kechuang review assign``, and the run the command and the benchmark share.

Inputs (CSV, no header, UTF-8):

- scores: ``item,reviewer,score`` — one eligible pair per line; a pair absent is not eligible;
- constraints: ``item,reviewer,value`` — ``-1`` a conflict, ``1`` a forced pair, ``0`` ignored;
- attributes (ours, optional, for the panel rules): ``reviewer,organization,industry`` — organisation
  may be empty, industry is ``1``/``0`` (also ``true``/``false``, ``yes``/``no``).

Items and reviewers are those the scores name, in order of first appearance, then any that only a
forced pair names. Output: JSON ``{item: [reviewer, …]}`` (best score first), and with alternates a
sibling file ``<out stem>.alternates.json`` of the same shape. No Django: the command needs no settings.
"""

from __future__ import annotations

import csv
import json
import math
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kechuang.review.assignment import Infeasible, Item, Problem, Reviewer, Solution, solve

CONSTRAINT_VALUES = {"-1": -1, "0": 0, "1": 1}
TRUE, FALSE = {"1", "true", "yes", "y"}, {"0", "false", "no", "n", ""}


class FileFormatError(ValueError):
    """A line of an input file is malformed; the message names the file, the line and what is wrong."""

    def __init__(self, path: Path, line: int, problem: str) -> None:
        super().__init__(f"{path}, line {line}: {problem}" if line else f"{path}: {problem}")


def _rows(path: Path, width: int, shape: str, *, keys: int = 2) -> Iterator[tuple[int, list[str]]]:
    """``(line number, stripped fields)`` of each non-blank line, which must have ``width`` fields, the
    first ``keys`` of them not empty."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise FileFormatError(path, 0, f"cannot read it ({exc.strerror})") from None
    with handle:
        reader = csv.reader(handle)
        try:
            for row in reader:
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                if len(row) != width:
                    raise FileFormatError(path, reader.line_num, f"expected {shape} ({width} fields), got {len(row)}")
                fields = [value.strip() for value in row]
                if not all(fields[:keys]):
                    raise FileFormatError(path, reader.line_num, f"an empty key; expected {shape}")
                yield reader.line_num, fields
        except (csv.Error, UnicodeDecodeError) as exc:
            raise FileFormatError(path, reader.line_num, f"not UTF-8 CSV ({exc})") from None


def read_scores(path: Path) -> dict[tuple[str, str], float]:
    scores: dict[tuple[str, str], float] = {}
    for line, (item, reviewer, text) in _rows(path, 3, "item,reviewer,score"):
        try:
            score = float(text)
        except ValueError:
            raise FileFormatError(path, line, f"score {text!r} is not a number") from None
        if not math.isfinite(score):
            raise FileFormatError(path, line, f"score {text!r} is not a finite number")
        if (item, reviewer) in scores:
            raise FileFormatError(path, line, f"the pair {item},{reviewer} has a score already")
        scores[item, reviewer] = score
    if not scores:
        raise FileFormatError(path, 0, "no scores")
    return scores


def read_constraints(path: Path) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """``(conflicts, forced)``."""
    seen: dict[tuple[str, str], int] = {}
    for line, (item, reviewer, text) in _rows(path, 3, "item,reviewer,-1|0|1"):
        value = CONSTRAINT_VALUES.get(text.removesuffix(".0"))
        if value is None:
            raise FileFormatError(path, line, f"constraint {text!r} is not -1 (conflict), 1 (forced) or 0")
        if seen.get((item, reviewer), value) != value:
            raise FileFormatError(path, line, f"the pair {item},{reviewer} has a different constraint already")
        seen[item, reviewer] = value
    conflicts = {pair for pair, value in seen.items() if value == -1}
    return conflicts, {pair for pair, value in seen.items() if value == 1}


def read_attributes(path: Path) -> dict[str, tuple[str | None, bool]]:
    """``{reviewer: (organization or None, industry)}``."""
    attributes: dict[str, tuple[str | None, bool]] = {}
    for line, (reviewer, organization, text) in _rows(path, 3, "reviewer,organization,industry", keys=1):
        flag = text.lower()
        if flag not in TRUE | FALSE:
            raise FileFormatError(path, line, f"industry {text!r} is not 1 or 0")
        if reviewer in attributes:
            raise FileFormatError(path, line, f"reviewer {reviewer} is listed already")
        attributes[reviewer] = (organization or None, flag in TRUE)
    return attributes


@dataclass
class Request:
    """What ``kechuang review assign`` was asked: the files and the numbers."""

    scores: Path
    out: Path
    demand: int
    max_load: int
    constraints: Path | None = None
    min_load: int = 0
    alternates: int = 0
    attributes: Path | None = None
    require_industry: bool = False
    distinct_organizations: bool = False


@dataclass
class Run:
    problem: Problem
    solution: Solution
    seconds: dict[str, float] = field(default_factory=dict)  # read, solve, write


def build_problem(
    request: Request,
    scores: Mapping[tuple[str, str], float],
    constraints: tuple[set[tuple[str, str]], set[tuple[str, str]]],
    attributes: Mapping[str, tuple[str | None, bool]],
) -> Problem:
    conflicts, forced = constraints
    items: dict[str, None] = {}
    reviewers: dict[str, None] = {}
    for item, reviewer in [*scores, *sorted(forced)]:
        items[item] = None
        reviewers[reviewer] = None
    return Problem(
        items=[Item(key, request.demand) for key in items],
        reviewers=[
            Reviewer(key, request.max_load, request.min_load, *attributes.get(key, (None, False))) for key in reviewers
        ],
        scores=scores,
        conflicts=frozenset(conflicts),
        forced=frozenset(forced),
        require_industry=request.require_industry,
        distinct_organizations=request.distinct_organizations,
        alternates=request.alternates,
    )


def alternates_path(out: Path) -> Path:
    return out.with_name(f"{out.stem}.alternates.json")


def _write(path: Path, mapping: Mapping[str, list[str]]) -> None:
    path.write_text(json.dumps(mapping, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def assign_files(request: Request, *, progress: Callable[[float], None] | None = None) -> Run:
    """Read the files, solve, write the output; raises ``FileFormatError`` or ``Infeasible``."""
    if request.demand < 0 or request.max_load < request.min_load or request.min_load < 0 or request.alternates < 0:
        raise ValueError("need demand >= 0, 0 <= min-load <= max-load and alternates >= 0")
    started = time.perf_counter()
    scores = read_scores(request.scores)
    constraints = read_constraints(request.constraints) if request.constraints else (set(), set())
    attributes = read_attributes(request.attributes) if request.attributes else {}
    problem = build_problem(request, scores, constraints, attributes)
    read = time.perf_counter()
    solution = solve(problem, progress=progress)
    solved = time.perf_counter()
    _write(request.out, solution.assignment)
    if request.alternates:
        _write(alternates_path(request.out), solution.alternates)
    seconds = {"read": read - started, "solve": solved - read, "write": time.perf_counter() - solved}
    return Run(problem, solution, seconds)


def describe(error: Infeasible, *, limit: int = 20) -> str:
    """The infeasibility as lines for a terminal: the sentence, then one line per short item (at most ``limit``)."""
    lines = [str(error)]
    for shortfall in error.shortfalls[:limit]:
        reasons = ", ".join(f"{reason} {count}" for reason, count in shortfall.reasons.items()) or "–"
        lines.append(
            f"  {shortfall.item}: wants {shortfall.demand}, {shortfall.eligible} eligible, "
            f"{shortfall.missing} missing; lost: {reasons}"
        )
    if len(error.shortfalls) > limit:
        lines.append(f"  … and {len(error.shortfalls) - limit} more items")
    return "\n".join(lines)
