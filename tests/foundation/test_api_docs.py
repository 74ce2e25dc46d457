"""The API docs work offline: Swagger UI and ReDoc come from our own static files, never a third party."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.fixtures.browser import login


def _asset_urls(html: str) -> list[str]:
    return re.findall(r'<script[^>]*\ssrc="([^"]+)"', html) + re.findall(r'<link[^>]*\shref="([^"]+)"', html)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["api-docs", "api-redoc"])
def test_docs_pages_load_every_script_and_style_from_our_origin(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assets = _asset_urls(html)
    assert any("drf_spectacular_sidecar" in url for url in assets), assets
    for url in assets:
        assert url.startswith("/") and not url.startswith("//"), f"third-party asset on the docs page: {url}"
    assert "cdn" not in html.lower() and "@latest" not in html
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self' 'unsafe-inline';" in csp and "http" not in csp
    for url in assets:  # each one is a file we ship (the test server does not serve static files)
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/").split("?")[0]), url
        else:
            assert client.get(url).status_code == 200, url


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_renders_with_every_outside_request_blocked(page, live_server, personas):
    outside: list[str] = []

    def only_ours(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_ours)
    personas.auditor.set_password("Browser-pass-123")
    personas.auditor.save()
    login(page, live_server.url, "audrey", "Browser-pass-123")
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
    assert "mlops-gov API" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.locator(".opblock").count() > 10
    page.goto(f"{live_server.url}/api/v1/redoc/")
    page.wait_for_selector("redoc h1, [role=main] h1, .api-info h1", timeout=20_000)
    assert outside == []
