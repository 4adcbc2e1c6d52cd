"""The one typed table of KECHUANG_* variables, .env.example, and production settings."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from kechuang import conf

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src" / "kechuang"
NAME = re.compile(r"KECHUANG_[A-Z][A-Z0-9_]*")
DECLARED = {v.name: v for v in conf.VARIABLES}


def test_names_are_unique_and_well_formed() -> None:
    assert len(DECLARED) == len(conf.VARIABLES)
    assert all(NAME.fullmatch(name) for name in DECLARED)
    assert all(v.help.strip() for v in conf.VARIABLES)


def test_every_name_used_in_the_source_is_declared() -> None:
    used: dict[str, str] = {}
    for path in SRC.rglob("*"):
        if path.is_file() and path.suffix in {".py", ".html", ".txt", ".json", ".toml", ".cfg", ".sh"}:
            for name in NAME.findall(path.read_text(encoding="utf-8")):
                used.setdefault(name, str(path.relative_to(REPO)))
    undeclared = {name: where for name, where in used.items() if name not in DECLARED}
    assert undeclared == {}, "declare these in src/kechuang/conf.py and .env.example"


def test_env_example_lists_exactly_the_declared_variables_with_help_and_default() -> None:
    lines = (REPO / ".env.example").read_text(encoding="utf-8").splitlines()
    listed: list[tuple[str, str, str]] = []
    for number, line in enumerate(lines):
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            listed.append((name, value, lines[number - 1]))
    assert sorted(name for name, _value, _comment in listed) == sorted(DECLARED)
    for name, value, comment in listed:
        variable = DECLARED[name]
        assert value == (variable.default or ""), name
        assert comment.startswith(f"# {variable.help}"), name


def test_production_hasher_is_argon2() -> None:
    # The test suite swaps in a fast hasher on django.conf.settings; the settings module keeps Argon2 first.
    production = importlib.import_module("kechuang.settings")
    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    importlib.import_module("argon2")


def test_defaults_apply_when_unset_or_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KECHUANG_LOGIN_MAX_FAILURES", raising=False)
    assert conf.value_int("KECHUANG_LOGIN_MAX_FAILURES") == 5
    monkeypatch.setenv("KECHUANG_LOGIN_MAX_FAILURES", "")
    assert conf.value_int("KECHUANG_LOGIN_MAX_FAILURES") == 5
    monkeypatch.setenv("KECHUANG_LOGIN_MAX_FAILURES", "7")
    assert conf.value_int("KECHUANG_LOGIN_MAX_FAILURES") == 7
    monkeypatch.delenv("KECHUANG_SECRET_KEY", raising=False)
    assert conf.raw("KECHUANG_SECRET_KEY") is None


@pytest.mark.parametrize(("text", "expected"), [("1", True), ("TRUE", True), ("on", True), ("0", False), ("no", False)])
def test_booleans(monkeypatch: pytest.MonkeyPatch, text: str, expected: bool) -> None:
    monkeypatch.setenv("KECHUANG_DEBUG", text)
    assert conf.value_bool("KECHUANG_DEBUG") is expected


def test_bad_values_are_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KECHUANG_DEBUG", "maybe")
    with pytest.raises(ValueError, match="KECHUANG_DEBUG must be true or false"):
        conf.value_bool("KECHUANG_DEBUG")
    monkeypatch.setenv("KECHUANG_EMAIL_PORT", "twenty-five")
    with pytest.raises(ValueError, match="KECHUANG_EMAIL_PORT must be an integer"):
        conf.value_int("KECHUANG_EMAIL_PORT")


def test_lists_and_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KECHUANG_ALLOWED_HOSTS", " kc.example.cn , ,localhost ")
    assert conf.value_list("KECHUANG_ALLOWED_HOSTS") == ["kc.example.cn", "localhost"]
    monkeypatch.setenv("KECHUANG_VAR_DIR", "var/elsewhere")
    assert conf.value_path("KECHUANG_VAR_DIR") == REPO / "var" / "elsewhere"
    monkeypatch.setenv("KECHUANG_VAR_DIR", "/srv/kechuang")
    assert conf.value_path("KECHUANG_VAR_DIR") == Path("/srv/kechuang")


def test_unknown_names_are_a_programming_error() -> None:
    with pytest.raises(KeyError):
        conf.raw("KECHUANG_NO_SUCH_THING")
