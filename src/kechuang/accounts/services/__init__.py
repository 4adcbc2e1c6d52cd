"""Writes of the accounts app. Each checks its rule, validates, writes in one transaction and audits.

Split by the object written; everything is re-exported here, so callers import
``kechuang.accounts.services`` and never a sub-module.
"""

from kechuang.accounts.services.history import (
    add_affiliation,
    declare_relation,
    delete_affiliation,
    remove_shareholding,
    set_shareholding,
    withdraw_relation,
)
from kechuang.accounts.services.memberships import (
    approve_membership,
    bootstrap_operator,
    grant_membership,
    reject_membership,
    request_membership,
    revoke_membership,
)
from kechuang.accounts.services.organizations import (
    ORGANIZATION_FIELDS,
    approve_organization,
    create_organization,
    create_platform_office,
    propose_organization,
    update_organization,
)
from kechuang.accounts.services.profiles import PROFILE_FIELDS, add_work, delete_work, save_expert_profile
from kechuang.accounts.services.tokens import (
    TOKEN_PREFIX,
    create_access_token,
    revoke_access_token,
    token_digest,
    user_for_token,
)
from kechuang.accounts.services.users import (
    clear_failed_logins,
    note_failed_login,
    register_user,
    update_account,
)

__all__ = [
    "ORGANIZATION_FIELDS",
    "PROFILE_FIELDS",
    "TOKEN_PREFIX",
    "add_affiliation",
    "add_work",
    "approve_membership",
    "approve_organization",
    "bootstrap_operator",
    "clear_failed_logins",
    "create_access_token",
    "create_organization",
    "create_platform_office",
    "declare_relation",
    "delete_affiliation",
    "delete_work",
    "grant_membership",
    "note_failed_login",
    "propose_organization",
    "register_user",
    "reject_membership",
    "remove_shareholding",
    "request_membership",
    "revoke_access_token",
    "revoke_membership",
    "save_expert_profile",
    "set_shareholding",
    "token_digest",
    "update_account",
    "update_organization",
    "user_for_token",
    "withdraw_relation",
]
