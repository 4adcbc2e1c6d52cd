"""Distribution of technology-transfer income by law and policy: pure Python, no Django.

``policies`` holds the policy terms and the legal floors (data with dates and citations), ``allocation``
the integer rounding rules, ``taxes`` the tax tags, ``plans`` the inputs and the result, ``engine`` the
two-level split of one receipt into a :class:`Plan`.
Import from here; the modules' names are an implementation detail.
"""

from kechuang.transfer.distribution.allocation import BP, EQUITY_REMAINDER_RULE, REMAINDER_RULE
from kechuang.transfer.distribution.engine import (
    check_split,
    net_income,
    plan_cash,
    plan_equity,
    plan_profit,
    reverse,
    verify,
)
from kechuang.transfer.distribution.errors import CODES, DistributionError
from kechuang.transfer.distribution.plans import DEDUCTION_KINDS, Basis, Deduction, Line, Member, Plan, Step
from kechuang.transfer.distribution.policies import (
    FLOOR_FIELDS,
    LegalFloor,
    LegalRule,
    PolicyTerms,
    Violation,
    check_policy,
    floor_on,
    legal_rules,
    read_rules,
    require_policy,
)
from kechuang.transfer.distribution.taxes import Contribution, Payer, TaxTag

__all__ = [
    "BP",
    "CODES",
    "DEDUCTION_KINDS",
    "EQUITY_REMAINDER_RULE",
    "FLOOR_FIELDS",
    "REMAINDER_RULE",
    "Basis",
    "Contribution",
    "Deduction",
    "DistributionError",
    "LegalFloor",
    "LegalRule",
    "Line",
    "Member",
    "Payer",
    "Plan",
    "PolicyTerms",
    "Step",
    "TaxTag",
    "Violation",
    "check_policy",
    "check_split",
    "floor_on",
    "legal_rules",
    "net_income",
    "plan_cash",
    "plan_equity",
    "plan_profit",
    "read_rules",
    "require_policy",
    "reverse",
    "verify",
]
