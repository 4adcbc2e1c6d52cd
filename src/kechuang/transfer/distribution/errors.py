"""The one error the distribution engine raises, with a stable code the API and the web layer translate."""

from __future__ import annotations

# Every code :class:`DistributionError` may carry. The web layer maps each to a translated sentence;
# a test keeps this list and the raises in step.
CODES = frozenset(
    {
        "amount_not_integer",  # an amount, share or basis-point figure that is not an int
        "amount_too_large",  # beyond a database BIGINT (2**63 − 1)
        "bad_deduction",  # a deduction of an unknown kind, or with a negative amount
        "deductions_exceed_income",  # the deductions add up to more than the gross receipt
        "bad_region_code",  # not a six-digit GB/T 2260 code
        "bad_rule_data",  # the legal-rule data file is malformed
        "no_rule_in_force",  # no binding rule covers the date and region
        "policy_out_of_range",  # a rate outside 0–10,000 bp, or years out of order
        "policy_below_floor",  # the policy pays the team less than the binding floor
        "no_members",  # an empty team
        "bad_member",  # an empty or repeated member key, or a negative share
        "split_not_100",  # the members' shares do not add up to exactly 10,000 bp
        "profit_year_outside_policy",  # a profit-sharing year the policy does not cover
    }
)


class DistributionError(ValueError):
    """A refused input. ``code`` is one of :data:`CODES` and never changes meaning; ``message`` is English
    for logs and developers (users see the web layer's translation of the code); ``details`` holds the
    figures behind the refusal (e.g. ``given`` and ``required``) for the problem+json body."""

    def __init__(self, code: str, message: str, **details: object) -> None:
        if code not in CODES:
            raise ValueError(f"unknown distribution error code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    def __repr__(self) -> str:
        return f"DistributionError(code={self.code!r}, message={self.message!r})"
