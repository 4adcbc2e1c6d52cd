"""Forms of the achievement pages. They read and check input; the services decide and write.

Bilingual texts are two inputs (Chinese, English) joined by ``core.i18n.bilingual``. Completers and
funding sources are typed one per line with ``|`` between the parts, which works on a phone without
any script.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kechuang.accounts.models import Organization, User
from kechuang.core.i18n import bilingual
from kechuang.core.sectors import sector_choices
from kechuang.transfer.enums import AchievementKind, AchievementStatus, IpStatus
from kechuang.transfer.models import Achievement
from kechuang.transfer.selectors.achievements import managed_units
from kechuang.transfer.services.achievements import CompleterSpec

TEXTAREA = forms.Textarea(attrs={"rows": 4})
SHORT_TEXTAREA = forms.Textarea(attrs={"rows": 3})
# An <input type="date"> takes only ISO dates; without a format Django renders the localised 2026/11/24, which the
# browser discards, leaving the field empty.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
LEAD_WORDS = {"lead", "负责人", "*"}


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.replace("｜", "|").split("|")]


def parse_share(text: str, number: int) -> int:
    """A contribution typed in percent ("40", "33.34", "12.5%") as whole basis points."""
    try:
        percent = Decimal(text.strip().rstrip("%％").strip())
    except InvalidOperation:
        raise ValidationError(
            _("Line %(number)d: write the contribution in percent, e.g. 40 or 33.34."),
            code="completers_share",
            params={"number": number},
        ) from None
    basis_points = percent * 100
    if not basis_points.is_finite() or basis_points != basis_points.to_integral_value():
        raise ValidationError(
            _("Line %(number)d: a contribution has at most two decimals."),
            code="completers_share",
            params={"number": number},
        )
    return int(basis_points)


def parse_completers(text: str) -> list[CompleterSpec]:
    """``@username or name | percent | lead`` per line; the lead mark is optional on the others."""
    specs = []
    names = []
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        cells = _cells(line)
        if len(cells) not in (2, 3) or not cells[0] or not cells[1]:
            raise ValidationError(
                _("Line %(number)d: write “@user name or name | contribution in % | lead”."),
                code="completers_line",
                params={"number": number},
            )
        who = cells[0]
        lead = len(cells) == 3 and cells[2].casefold() in LEAD_WORDS
        if len(cells) == 3 and cells[2] and not lead:
            raise ValidationError(
                _("Line %(number)d: the third part is “lead” or empty."),
                code="completers_line",
                params={"number": number},
            )
        rows.append((who, parse_share(cells[1], number), lead))
        if who.startswith("@"):
            names.append(who[1:])
    found = {user.username: user for user in User.objects.filter(username__in=names, is_active=True)}
    missing = [name for name in names if name not in found]
    if missing:
        raise ValidationError(
            _("Unknown user names: %(names)s."), code="completers_user", params={"names": ", ".join(missing)}
        )
    for who, share, lead in rows:
        user = found[who[1:]] if who.startswith("@") else None
        specs.append(CompleterSpec(contribution_bp=share, is_lead=lead, user=user, name="" if user else who))
    return specs


def completers_text(achievement: Achievement) -> str:
    lines = []
    for row in achievement.completers.select_related("user").all():
        who = f"@{row.user.username}" if row.user is not None else row.name
        share = Decimal(row.contribution_bp) / 100
        lines.append(f"{who} | {share.normalize():f} | {'lead' if row.is_lead else ''}".rstrip(" |"))
    return "\n".join(lines)


def parse_funding(text: str) -> list[dict[str, str]]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        cells = _cells(line)
        if len(cells) > 2 or not cells[0]:
            raise ValidationError(
                _("Line %(number)d: write “source | project number”."), code="funding_line", params={"number": number}
            )
        rows.append({"source": cells[0], "number": cells[1] if len(cells) == 2 else ""})
    return rows


class AchievementForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("Unit"), queryset=Organization.objects.none())
    kind = forms.ChoiceField(label=_("Type"), choices=AchievementKind.choices)
    title_zh = forms.CharField(label=_("Title (Chinese)"), max_length=300)
    title_en = forms.CharField(label=_("Title (English)"), max_length=300, required=False)
    summary_zh = forms.CharField(
        label=_("Public summary (Chinese)"),
        max_length=4000,
        widget=TEXTAREA,
        help_text=_("Shown to everyone; say nothing a pending patent application must keep secret."),
    )
    summary_en = forms.CharField(label=_("Public summary (English)"), max_length=4000, widget=TEXTAREA, required=False)
    ip_status = forms.ChoiceField(label=_("IP status"), choices=IpStatus.choices)
    ip_number = forms.CharField(
        label=_("Patent or registration number"),
        max_length=40,
        required=False,
        help_text=_("For a patent: the CNIPA application number, e.g. 202310123456.7. None for a technical secret."),
    )
    trl = forms.IntegerField(
        label=_("Technology readiness level (1–9)"),
        min_value=1,
        max_value=9,
        help_text=_(
            "1–3: principle and concept proven in the laboratory; 4–6: a prototype validated in a relevant "
            "environment; 7–9: demonstrated, qualified and in operation."
        ),
    )
    funding = forms.CharField(
        label=_("Funding sources"),
        widget=SHORT_TEXTAREA,
        required=False,
        help_text=_("One per line: source | project number. Seen only by the unit and the completers."),
    )
    sectors = forms.MultipleChoiceField(
        label=_("Sectors"), choices=sector_choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    registered_on = forms.DateField(
        label=_("Registered with the unit on"),
        widget=DATE,
        help_text=_("Starts the one-year clock of the Beijing regulations (Art. 11); it cannot be changed later."),
    )
    completers = forms.CharField(
        label=_("Completers"),
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "@zhangsan | 60 | lead\n李四 | 40"}),
        help_text=_(
            "One per line: @user name (or a name) | contribution in % | lead. The contributions add up to 100%; "
            "exactly one lead. Contributions are seen only by the unit and the completers."
        ),
    )

    def __init__(self, *args: Any, user: User, achievement: Achievement | None = None, **kwargs: Any) -> None:
        if achievement is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_of(achievement)
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)  # noqa: S101 - narrows the type
        owner.queryset = managed_units(user)
        if achievement is None and not self.is_bound:
            units = list(owner.queryset[:2])
            # One unit needs no choosing; and most results are registered on the day they are entered.
            if len(units) == 1:
                self.initial.setdefault("owner", units[0].pk)
            self.initial.setdefault("registered_on", timezone.localdate())
        if achievement is not None:
            owner.queryset = Organization.objects.filter(pk=achievement.owner_id)
            owner.disabled = True
            self.fields["registered_on"].disabled = True

    def clean_completers(self) -> list[CompleterSpec]:
        return parse_completers(self.cleaned_data.get("completers") or "")

    def clean_funding(self) -> list[dict[str, str]]:
        return parse_funding(self.cleaned_data.get("funding") or "")

    def values(self) -> dict[str, Any]:
        """The cleaned form as the register and update services take it (without owner and date)."""
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "title": bilingual(zh=data["title_zh"], en=data.get("title_en", "")),
            "summary": bilingual(zh=data["summary_zh"], en=data.get("summary_en", "")),
            "ip_status": data["ip_status"],
            "ip_number": data.get("ip_number", ""),
            "trl": data["trl"],
            "funding": data["funding"],
            "sectors": list(data.get("sectors") or []),
        }


def initial_of(achievement: Achievement) -> dict[str, Any]:
    return {
        "owner": achievement.owner_id,
        "kind": achievement.kind,
        "title_zh": achievement.title.get("zh-hans", ""),
        "title_en": achievement.title.get("en", ""),
        "summary_zh": achievement.summary.get("zh-hans", ""),
        "summary_en": achievement.summary.get("en", ""),
        "ip_status": achievement.ip_status,
        "ip_number": achievement.ip_number,
        "trl": achievement.trl,
        "funding": "\n".join(
            f"{row.get('source', '')} | {row.get('number', '')}".rstrip(" |") for row in achievement.funding
        ),
        "sectors": achievement.sectors,
        "registered_on": achievement.registered_on,
        "completers": completers_text(achievement),
    }


class AchievementFilterForm(forms.Form):
    q = forms.CharField(label=_("Words"), required=False, max_length=100)
    unit = forms.TypedChoiceField(label=_("Unit"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=_("Status"), required=False)
    kind = forms.ChoiceField(label=_("Type"), required=False)
    idle = forms.BooleanField(label=_("Idle for a year"), required=False)

    def __init__(self, *args: Any, units: list[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        any_choice = [("", _("Any"))]
        self.fields["unit"].choices = any_choice + [(org.pk, str(org)) for org in units]  # type: ignore[attr-defined]
        self.fields["status"].choices = any_choice + list(AchievementStatus.choices)  # type: ignore[attr-defined]
        self.fields["kind"].choices = any_choice + list(AchievementKind.choices)  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "query": str(data.get("q") or ""),
            "unit": data.get("unit"),
            "status": str(data.get("status") or ""),
            "kind": str(data.get("kind") or ""),
            "idle": bool(data.get("idle")),
        }

    def active(self) -> bool:
        return any(self.filters().values())


class ReleaseRequestForm(forms.Form):
    plan = forms.CharField(
        label=_("How the completers will commercialise it"),
        widget=TEXTAREA,
        max_length=4000,
        help_text=_("Who, with whom, how the income is shared with the unit (Beijing regulations, Art. 11)."),
    )


class ReleaseDecisionForm(forms.Form):
    grant = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("Grant")), ("0", _("Refuse"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=SHORT_TEXTAREA,
        max_length=2000,
        required=False,
        help_text=_("Required when refusing: the law lets the completers go ahead unless the unit has good reason."),
    )
