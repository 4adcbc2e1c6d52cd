"""Pages obey the strict Content-Security-Policy: no inline script or style in any template or page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import permission_denied, server_error

from kechuang.core.middleware import CONTENT_SECURITY_POLICY
from tests.factories.accounts import ExpertProfileFactory, OrganizationFactory, UserFactory

SOURCE = Path(settings.PACKAGE_DIR)
TAG = re.compile(r"<[a-zA-Z][^<>]*>")
SCRIPT_WITH_BODY = re.compile(r"<script\b[^>]*>(?P<body>.*?)</script>", re.DOTALL | re.IGNORECASE)
FORBIDDEN_IN_TAG = {
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "inline event handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "third-party script or style": re.compile(
        r"<(?:script|link)\b[^>]*\s(?:src|href)\s*=\s*[\"']?(?:https?:)?//", re.I
    ),
}


def csp_violations(html: str) -> list[str]:
    """What in ``html`` a strict CSP (script-src and style-src 'self') would block."""
    found = [f"inline script: {m.group(0)[:80]!r}" for m in SCRIPT_WITH_BODY.finditer(html) if m.group("body").strip()]
    if re.search(r"<style\b", html, re.IGNORECASE):
        found.append("<style> element")
    for tag in TAG.findall(html):
        found.extend(f"{name}: {tag[:80]!r}" for name, pattern in FORBIDDEN_IN_TAG.items() if pattern.search(tag))
    return found


def templates() -> list[Path]:
    return sorted(path for path in SOURCE.rglob("templates/**/*.html"))


def test_there_are_templates_to_check() -> None:
    assert SOURCE / "templates" / "base.html" in templates()


@pytest.mark.parametrize("path", templates(), ids=lambda p: str(p.relative_to(SOURCE)))
def test_no_template_has_inline_script_or_style(path: Path) -> None:
    assert csp_violations(path.read_text(encoding="utf-8")) == []


def test_the_checker_catches_what_it_should() -> None:
    html = '<script>alert(1)</script><style>p{}</style><p style="x"><a onclick="y" href="javascript:z">'
    html += '<script src="https://cdn.example/x.js"></script>'
    assert len(csp_violations(html)) == 6
    assert csp_violations('<script src="/static/x.js" defer></script><p class="stylish">') == []


@pytest.fixture
def page_urls() -> list[str]:
    organization = OrganizationFactory()
    profile = ExpertProfileFactory(affiliation=organization)
    return [
        reverse("web:home"),
        reverse("web:organizations"),
        reverse("web:organization", args=[organization.pk]),
        reverse("web:experts"),
        reverse("web:expert", args=[profile.pk]),
        "/no-such-page/",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True])
def test_every_page_sends_the_policy_and_renders_nothing_it_would_block(
    client: Client, page_urls: list[str], signed_in: bool
) -> None:
    if signed_in:
        client.force_login(UserFactory())
    for url in page_urls:
        response = client.get(url)
        assert response.status_code == (404 if url == "/no-such-page/" else 200), url
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, url
        assert csp_violations(response.content.decode()) == [], url


@pytest.mark.django_db
def test_htmx_fragments_send_the_policy_too(client: Client) -> None:
    response = client.get(reverse("web:organizations"), headers={"HX-Request": "true"})
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_policy_allows_no_inline_code() -> None:
    directives = dict(part.strip().split(" ", 1) for part in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"


@pytest.mark.django_db
def test_error_pages_render_in_the_layout(rf: RequestFactory) -> None:
    request = rf.get("/somewhere/")
    request.user = UserFactory()
    forbidden = permission_denied(request, exception=PermissionError())
    assert forbidden.status_code == 403
    assert 'data-testid="error-403"' in forbidden.content.decode()
    assert 'class="site-header"' in forbidden.content.decode()
    # The 500 page is rendered without a request context: no user, no CSRF token.
    failed = server_error(rf.get("/somewhere/"))
    assert failed.status_code == 500
    html = failed.content.decode()
    assert 'data-testid="error-500"' in html
    assert 'class="site-header"' in html
    assert csp_violations(html) == []


def test_every_documented_css_class_is_defined() -> None:
    css = (SOURCE / "static" / "css" / "kechuang.css").read_text(encoding="utf-8")
    header = css.split("*/", 1)[0]
    documented = set(re.findall(r"^\s*\*\s+(\.[a-z][a-z0-9-]*)", header, re.MULTILINE))
    rules = css.split("*/", 1)[1]
    assert {".page", ".card", ".grid", ".button", ".table", ".badge", ".message", ".stats"} <= documented
    missing = sorted(name for name in documented if not re.search(re.escape(name) + r"(?![a-z0-9-])", rules))
    assert missing == []
