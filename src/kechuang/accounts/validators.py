"""Password validators whose messages come from our own catalogue.

Django 5.2's zh_Hans catalogue keys the "too short" message on ``%(min_length)d`` while the code
asks for ``%d``, so the Chinese never matches and the sign-up page shows English. Our msgids are
translated in ``kechuang/locale`` and checked by the catalogue test.
"""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length check with a message and help text in our catalogue."""

    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short: use at least %(min_length)d character.",
            "This password is too short: use at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return ngettext(
            "Use at least %(min_length)d character for the password.",
            "Use at least %(min_length)d characters for the password.",
            self.min_length,
        ) % {"min_length": self.min_length}
