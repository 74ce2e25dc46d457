"""Feedback in the site's layout: messages styled by level and announced, error pages that say what happened."""

from __future__ import annotations

import re

import pytest
from django.contrib import messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory, override_settings
from django.urls import reverse

from mlops_gov.views import server_error


def _message_divs(html: str) -> list[str]:
    return re.findall(r'<div class="message message-[^"]*"[^>]*>', html)


@pytest.mark.django_db
def test_error_messages_are_styled_as_errors_and_interrupt(client, personas):
    from tests.registry.factories import make_model, make_version

    model = make_model(personas)
    version = make_version(personas, model)
    # Someone outside the model's team asks for production: refused with an error message (a form error, such as
    # an empty justification, stays on the form instead).
    client.force_login(personas.outsider)
    url = reverse("registry:request-create", args=[model.name, version.version])
    html = client.post(url, {"justification": "Ready."}, follow=True).content.decode()
    divs = _message_divs(html)
    assert len(divs) == 1
    assert 'class="message message-error"' in divs[0] and 'role="alert"' in divs[0]
    assert "Error:" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("level", "css", "prefix"),
    [
        (messages.SUCCESS, "message-success", "Done:"),
        (messages.WARNING, "message-warning", "Warning:"),
        (messages.INFO, "message-info", "Note:"),
    ],
)
def test_other_levels_are_styled_and_announced_politely(rf, personas, level, css, prefix):
    from django.template.loader import render_to_string

    request = rf.get("/")
    request.user = personas.scientist
    request.session = {}
    request._messages = FallbackStorage(request)
    messages.add_message(request, level, "Something to say.")
    html = render_to_string("base.html", {}, request=request)
    (div,) = _message_divs(html)
    assert css in div and 'role="status"' in div and 'aria-live="polite"' in div and 'role="alert"' not in div
    assert prefix in html and "Something to say." in html


@pytest.mark.django_db
def test_navigation_is_one_list_with_a_menu_button_for_small_screens(client, personas):
    client.force_login(personas.auditor)
    html = client.get(reverse("dashboard")).content.decode()
    assert 'aria-controls="site-menu"' in html and 'aria-expanded="false"' in html
    nav = html.split('data-testid="nav-links"', 1)[1].split("</ul>", 1)[0]
    labels = re.findall(r">([A-Za-z]+)</a>", nav)
    core = ["Models", "Assessments", "Monitoring", "Reports", "Audit"]
    assert [label for label in labels if label in core] == core  # one list, in this order; others may add items
    assert '<link rel="icon" href="/static/favicon.svg"' in html


@pytest.mark.django_db
def test_404_is_a_page_in_the_layout_with_a_way_back(client, personas):
    client.force_login(personas.scientist)
    response = client.get("/models/no-such-model-anywhere/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'data-testid="error-page"' in html and 'data-testid="nav-links"' in html
    assert "This page does not exist" in html and reverse("dashboard") in html


@pytest.mark.django_db
def test_403_names_the_role_that_would_open_the_page(client, personas):
    client.force_login(personas.nobody)
    response = client.get(reverse("registry:audit-list"))
    assert response.status_code == 403
    html = response.content.decode()
    assert 'data-testid="error-page"' in html
    reason = html.split('data-testid="refusal-reason">', 1)[1].split("</p>", 1)[0]
    for role in ("approver", "auditor", "data scientist", "ML engineer"):
        assert role in reason
    assert "You hold no role yet." in reason


@pytest.mark.django_db
def test_403_for_a_custom_permission_names_only_its_role(client, personas):
    client.force_login(personas.scientist)
    response = client.get(reverse("registry:audit-verify"))
    assert response.status_code == 403
    reason = response.content.decode().split('data-testid="refusal-reason">', 1)[1].split("</p>", 1)[0]
    assert "It needs the role auditor." in reason and "Your roles: data scientist." in reason


@pytest.mark.django_db
def test_login_lockout_is_a_429_page_in_the_layout(client, personas):
    for _ in range(5):
        client.post(reverse("login"), {"username": "sam", "password": "wrong-password"})
    locked = client.post(reverse("login"), {"username": "sam", "password": "not-used-1234"})
    assert locked.status_code == 429
    html = locked.content.decode()
    assert 'data-testid="error-page"' in html and "Too many failed log-in attempts" in html
    assert "15 min" in html and reverse("login") in html


@override_settings(DEBUG=False)
def test_500_page_renders_without_the_database_and_gives_the_request_id():
    request = RequestFactory().get("/boom/")
    setattr(request, "request_id", "req-12345678")  # noqa: B010  # what RequestIdMiddleware sets
    response = server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html and "req-12345678" in html
    assert 'data-testid="error-page"' in html


def test_favicon_is_served_from_our_static_files(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/favicon.svg"
