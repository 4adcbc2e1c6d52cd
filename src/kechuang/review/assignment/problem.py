"""What the solver is given and what it answers: reviewers, items, the problem, the solution, the errors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

SCALE = 1_000_000  # the largest |score| becomes this many integer cost units


@dataclass(frozen=True)
class Reviewer:
    key: str
    max_load: int
    min_load: int = 0
    organization: str | None = None  # for "no two reviewers from one organisation" on an item
    industry: bool = False  # for "at least one industry expert" per item


@dataclass(frozen=True)
class Item:
    key: str
    demand: int  # reviews wanted


@dataclass
class Problem:
    """What to solve. A pair absent from ``scores`` is not eligible, unless it is forced (its score is then 0).

    Conflicts naming an unknown item or reviewer are ignored (they exclude nobody); scores and forced
    pairs naming one raise ``ValueError``, as do duplicate keys, negative demands or loads, and
    ``min_load > max_load``. A pair both forced and conflicted makes the problem infeasible.
    """

    items: Sequence[Item]
    reviewers: Sequence[Reviewer]
    scores: Mapping[tuple[str, str], float]  # (item key, reviewer key) -> affinity
    conflicts: AbstractSet[tuple[str, str]] = frozenset()
    forced: AbstractSet[tuple[str, str]] = frozenset()  # must be assigned (manual changes)
    require_industry: bool = False
    distinct_organizations: bool = False
    alternates: int = 0  # per item, the best reviewers who could step in (see Solution.alternates)


@dataclass
class Shortfall:
    """Why an item cannot get its demand.

    ``eligible`` counts the reviewers who could review it (scored, not conflicted, or forced);
    ``missing`` the reviews it lacks in a smallest explanation (an unmet industry seat counts as
    one). ``reasons`` holds only non-zero counts:
    ``conflict`` (reviewers excluded by a conflict), ``no_affinity`` (no score for the pair),
    ``organization`` (eligible reviewers who share an organisation with another eligible one, when
    the rule is on), ``industry`` (1: the industry-expert rule cannot be met), ``load`` (eligible
    reviewers whose load is full with other items), ``forced`` (forced pairs exceed what the item may take).
    """

    item: str
    demand: int
    eligible: int
    reasons: dict[str, int]
    missing: int = 0


class Infeasible(Exception):  # noqa: N818 - the name is the interface other apps code against
    """No assignment meets every constraint. ``shortfalls`` may be empty when the cause is global (capacity)."""

    def __init__(self, message: str, shortfalls: Sequence[Shortfall] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.shortfalls = list(shortfalls)


class Cancelled(Exception):  # noqa: N818
    """``cancelled()`` answered true between two phases, or during a CP-SAT search."""


@dataclass
class Solution:
    """The optimum. ``alternates`` lists, per item and best score first (ties by key), at most
    ``Problem.alternates`` reviewers who could replace one of its reviewers without breaking a rule:
    scored and not conflicted with the item, not already on it, with load left after this assignment,
    and, under ``distinct_organizations``, from none of the organisations already on the item."""

    assignment: dict[str, list[str]]  # item -> reviewers, best score first (ties by key)
    alternates: dict[str, list[str]]
    total: float  # sum of the scores of assigned pairs (forced pairs without a score count 0)
    method: str = "flow"  # "flow" or "cp-sat" (both rules on and an organisation mixing industry and not)
    unit: float = field(default=1.0 / SCALE)  # the score value of one integer cost unit
