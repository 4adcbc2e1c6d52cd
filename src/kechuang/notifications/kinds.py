"""The registry of notification kinds: each app declares its kinds once, by name, with lazy texts.

A kind's title and body are lazy msgids with named placeholders (``%(organization)s``). A
notification stores only the kind and its parameters, so the text is rendered when it is read, in
the reader's language (the page's, or the recipient's chosen e-mail language). Parameters may be
plain JSON values, or bilingual objects ``{"zh-hans": …, "en": …}`` picked by language at render
time; :func:`freeze_params` turns lazy strings (enum labels) into such objects at notify time.

Names look like ``app.event`` (``accounts.membership_approved``). Registering a name twice with
different texts is a programming error; registering the same texts again (a module imported
twice) is harmless.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise

from kechuang.core.i18n import localized

NAME = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
# Shown in place of a parameter a stored notification lacks (its kind's text changed since): a page
# must still render.
MISSING = "…"


class UnknownKindError(LookupError):
    """A notification kind nobody registered: a programming error, raised at notify time."""


class MissingParamsError(ValueError):
    """``params`` lacks a placeholder of the kind's title or body: a programming error."""


@dataclass(frozen=True)
class Kind:
    name: str
    title: str | Promise
    body: str | Promise
    email: bool
    label: str | Promise

    @property
    def placeholders(self) -> frozenset[str]:
        """The parameter names the English msgids use (translations must use the same ones)."""
        with translation.override(None):  # no catalogue: str() gives the msgid itself
            return frozenset(PLACEHOLDER.findall(str(self.title)) + PLACEHOLDER.findall(str(self.body)))


_KINDS: dict[str, Kind] = {}


def register(
    kind: str,
    *,
    title: str | Promise,
    body: str | Promise = "",
    email: bool = True,
    label: str | Promise = "",
) -> Kind:
    """Declare ``kind``. ``email`` says whether it is also sent by e-mail (recipients may opt out);
    ``label`` names the kind on the preferences page (default: the name)."""
    if not NAME.match(kind):
        raise ValueError(f"notification kind must look like 'app.event', not {kind!r}")
    declared = Kind(name=kind, title=title, body=body, email=email, label=label or kind)
    known = _KINDS.get(kind)
    if known is not None and known != declared:
        raise ValueError(f"notification kind {kind!r} is already registered with other texts")
    _KINDS[kind] = declared
    return declared


def get(kind: str) -> Kind:
    try:
        return _KINDS[kind]
    except KeyError:
        raise UnknownKindError(f"no notification kind {kind!r} is registered") from None


def all_kinds() -> list[Kind]:
    """Every registered kind, by name."""
    return [_KINDS[name] for name in sorted(_KINDS)]


def email_kinds() -> list[Kind]:
    """The kinds that may be e-mailed, which a recipient can opt out of one by one."""
    return [kind for kind in all_kinds() if kind.email]


def freeze_params(kind: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` ready to store: checked against the kind's placeholders, lazy strings made bilingual.

    Raises :class:`UnknownKindError` or :class:`MissingParamsError`.
    """
    missing = sorted(get(kind).placeholders - set(params))
    if missing:
        raise MissingParamsError(f"notification {kind!r} needs the parameter(s) {', '.join(missing)}")
    return {name: _freeze(value) for name, value in params.items()}


def _freeze(value: Any) -> Any:
    if isinstance(value, Promise):
        texts = {}
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                texts[code] = str(value)
        return texts
    return value


class _Params(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return MISSING


def _text(template: str | Promise, params: Mapping[str, Any], language: str | None) -> str:
    text = str(template)
    if not text:
        return ""
    values = _Params(
        {name: localized(value, language) if isinstance(value, dict) else value for name, value in params.items()}
    )
    try:
        return text % values
    except (TypeError, ValueError):  # a broken translation must not break the page; fall back to the msgid
        with translation.override(None):
            return str(template) % values


def render(kind: str, params: Mapping[str, Any], *, language: str | None = None) -> tuple[str, str]:
    """(title, body) of a notification in ``language`` (default: the active one).

    Never raises for stored data: an unregistered kind (removed since) renders as its name.
    """
    with translation.override(language or translation.get_language()):
        found = _KINDS.get(kind)
        if found is None:
            return kind, ""
        return _text(found.title, params, language), _text(found.body, params, language)
