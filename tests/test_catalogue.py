"""The zh-Hans catalogue is complete: every msgid in the sources is translated, none fuzzy."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "kechuang"
PO_FILES = {
    "django": SRC / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po",
}


def test_catalogue_has_no_untranslated_or_fuzzy_entries() -> None:
    catalogue = polib.pofile(str(PO_FILES["django"]))
    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    untranslated += [e.msgid for e in catalogue if e.msgid_plural and not all(e.msgstr_plural.values())]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert untranslated == [], f"untranslated msgids: {untranslated[:20]}"
    assert fuzzy == [], f"fuzzy msgids: {fuzzy[:20]}"


def test_catalogue_covers_every_msgid_in_the_sources(tmp_path: Path) -> None:
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext (xgettext) is needed to check the catalogue; install Debian's 'gettext'.")
    copy = tmp_path / "kechuang"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    (copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po").unlink()
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans", "--no-obsolete", "--no-location"],
        cwd=copy,
        check=True,
        capture_output=True,
        env={
            "DJANGO_SETTINGS_MODULE": "kechuang.settings",
            "PATH": "/usr/bin:/bin",
            "KECHUANG_VAR_DIR": str(tmp_path / "var"),
        },
    )
    fresh = polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    committed = polib.pofile(str(PO_FILES["django"]))
    have = {(e.msgctxt, e.msgid) for e in committed if not e.obsolete}
    missing = sorted((ctx or "", msgid) for ctx, msgid in {(e.msgctxt, e.msgid) for e in fresh} - have)
    assert missing == [], f"msgids missing from the catalogue (run `make catalogue`): {missing[:20]}"


def _placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"%\(\w+\)[sdi]", text))


def test_every_translation_keeps_its_msgids_placeholders() -> None:
    """A translation naming another placeholder (%(counter)s for %(count)d) fails only at run time, in Chinese."""
    catalogue = polib.pofile(str(PO_FILES["django"]))
    wrong = []
    for entry in catalogue:
        expected = {tuple(_placeholders(entry.msgid))}
        if entry.msgid_plural:
            expected.add(tuple(_placeholders(entry.msgid_plural)))
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        wrong += [(entry.msgid, text) for text in translations if tuple(_placeholders(text)) not in expected]
    assert wrong == []
