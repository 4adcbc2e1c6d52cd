"""Security headers on every response: a strict CSP with no inline script or style."""

from __future__ import annotations

import pytest
from django.test import Client

from kechuang.core.middleware import API_DOCS_POLICY, CONTENT_SECURITY_POLICY


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/admin/login/", "/static/img/favicon.svg", "/api/v1/organizations", "/api/v1/openapi.json", "/no-such-page/"],
)
def test_strict_csp_everywhere(client: Client, path: str) -> None:
    response = client.get(path)
    response.close()  # static files stream from an open file
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response["Permissions-Policy"] == "camera=(), microphone=(), geolocation=()"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_django_responses_refuse_framing_and_sniffing(client: Client) -> None:
    response = client.get("/api/v1/organizations")
    assert (response["X-Frame-Options"], response["X-Content-Type-Options"]) == ("DENY", "nosniff")


def test_policy_allows_nothing_inline() -> None:
    directives = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


@pytest.mark.django_db
def test_only_the_api_docs_page_gets_the_looser_policy(client: Client) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == API_DOCS_POLICY
    assert "script-src 'self';" in API_DOCS_POLICY
    body = response.content.decode()
    assert "cdn" not in body.lower()
    assert "/static/ninja/swagger-ui-bundle.js" in body


@pytest.mark.django_db
def test_an_unknown_api_path_answers_problem_json(client: Client) -> None:
    response = client.get("/api/v1/nope", headers={"accept-language": "en"})
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"
    assert response.json()["instance"] == "/api/v1/nope"


@pytest.mark.django_db
def test_a_wrong_method_on_the_api_answers_problem_json_with_allow(client: Client) -> None:
    response = client.delete("/api/v1/organizations")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "method_not_allowed"
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}


@pytest.mark.django_db
def test_pages_outside_the_api_keep_their_html_404(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
