"""Template context every page gets: the navigation, showing only what exists and what the user may use."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# A detail page lights up the list it belongs to.
SECTION_OF = {"organization": "organizations", "expert": "experts"}
# Other apps' pages light up their own section.
NAMESPACE_SECTIONS = {"ledger": "records", "challenges": "challenges", "review": "reviews", "transfer": "transfer"}


def navigation(request: HttpRequest) -> dict[str, Any]:
    items = [
        {"label": _("Home"), "url": reverse("web:home"), "name": "home"},
        {"label": _("Challenges"), "url": reverse("challenges:list"), "name": "challenges"},
        {"label": _("Technology transfer"), "url": reverse("transfer:home"), "name": "transfer"},
        {"label": _("Organizations"), "url": reverse("web:organizations"), "name": "organizations"},
        {"label": _("Experts"), "url": reverse("web:experts"), "name": "experts"},
        {"label": _("Trusted records"), "url": reverse("ledger:entries"), "name": "records"},
    ]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        items.append({"label": _("My reviews"), "url": reverse("review:my"), "name": "reviews"})
    if user is not None and user.is_authenticated and user.has_perm("accounts.view_audit"):
        items.append({"label": _("Administration"), "url": reverse("admin:index"), "name": "admin"})
    match = getattr(request, "resolver_match", None)
    current = ""
    if match is not None and match.namespace == "web":
        current = SECTION_OF.get(match.url_name or "", match.url_name or "")
    elif match is not None and match.namespace in NAMESPACE_SECTIONS:
        current = NAMESPACE_SECTIONS[match.namespace]
    return {"nav_items": items, "nav_current": current}
