"""Forms of the account pages. Each maps to one service; the service's refusals land on the fields.

A form checks only the shape of the input. The rules (unique e-mail, valid USCC and ORCID, who may
do what) live in :mod:`kechuang.accounts.services`; ``submit`` calls the service and turns a
:class:`DomainError` into field errors, so a refused form re-renders with everything still filled in.
"""

from kechuang.accounts.forms.account import AccountForm, LoginForm, SignupForm, TokenForm
from kechuang.accounts.forms.base import ServiceForm, organization_options
from kechuang.accounts.forms.history import AffiliationForm, RelationForm, ShareholdingForm, expert_options
from kechuang.accounts.forms.organizations import MembershipRequestForm, OrganizationProposalForm, role_choices
from kechuang.accounts.forms.profile import ExpertProfileForm, WorkForm

__all__ = [
    "AccountForm",
    "AffiliationForm",
    "ExpertProfileForm",
    "LoginForm",
    "MembershipRequestForm",
    "OrganizationProposalForm",
    "RelationForm",
    "ServiceForm",
    "ShareholdingForm",
    "SignupForm",
    "TokenForm",
    "WorkForm",
    "expert_options",
    "organization_options",
    "role_choices",
]
