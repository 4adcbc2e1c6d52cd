"""Forms of the notifications app: the e-mail preference."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kechuang.accounts.models import User
from kechuang.notifications import kinds, services
from kechuang.notifications.models import EmailPreference


class EmailPreferenceForm(forms.Form):
    """Ticked kinds are e-mailed; the service stores the unticked ones as muted."""

    enabled = forms.BooleanField(label=_("Send me notifications by e-mail"), required=False)
    kinds = forms.MultipleChoiceField(
        label=_("E-mail me when"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Every notification also stays in your inbox on the site."),
    )
    language = forms.ChoiceField(label=_("Language of the e-mails"), choices=settings.LANGUAGES)

    def __init__(self, *args: Any, preference: EmailPreference, **kwargs: Any) -> None:
        emailed = kinds.email_kinds()
        initial = {
            "enabled": preference.enabled,
            "kinds": [kind.name for kind in emailed if kind.name not in preference.muted_kinds],
            "language": preference.language,
        }
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.fields["kinds"].choices = [(kind.name, kind.label) for kind in emailed]  # type: ignore[attr-defined]

    def submit(self, *, actor: User) -> EmailPreference:
        wanted = set(self.cleaned_data["kinds"])
        return services.update_email_preference(
            actor=actor,
            enabled=self.cleaned_data["enabled"],
            muted_kinds=[kind.name for kind in kinds.email_kinds() if kind.name not in wanted],
            language=self.cleaned_data["language"],
        )
