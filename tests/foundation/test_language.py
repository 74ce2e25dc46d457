"""Two languages (issue #16): the header's switcher, the saved choice per person, the browser's Accept-Language,
and ``user_language`` for work done outside a request."""

from __future__ import annotations

from typing import cast

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from mlops_gov.errors import DomainError, PermissionError_
from mlops_gov.i18n import user_language
from notifications import services
from notifications.models import NotificationPreference
from registry.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("compiled_catalogues")]

KOREAN_NAV = "모델"  # "Models" in the header
SWITCH = reverse("language-switch")


def _lang(response) -> str:
    html = response.content.decode()
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_a_visitor_switches_the_login_page_to_korean_with_the_cookie(client):
    page = client.get(reverse("login"))
    assert _lang(page) == "en-gb" and 'data-testid="language-ko"' in page.content.decode()
    response = client.post(SWITCH, {"language": "ko", "next": reverse("login")})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "ko" and cookie["httponly"] and cookie["max-age"] == settings.LANGUAGE_COOKIE_AGE
    page = client.get(reverse("login"))
    html = page.content.decode()
    assert _lang(page) == "ko" and "본문으로 건너뛰기" in html and "Skip to the content" not in html
    assert 'data-testid="language-en-gb"' in html and ">English<" in html  # the way back, named in English
    assert page["Content-Language"] == "ko"


def test_the_switcher_saves_a_persons_choice_and_the_next_page_is_korean(personas):
    client = Client()
    client.force_login(personas.approver)
    assert KOREAN_NAV not in client.get(reverse("dashboard")).content.decode()
    response = client.post(SWITCH, {"language": "ko", "next": reverse("registry:model-list")})
    assert response.status_code == 302 and response["Location"] == reverse("registry:model-list")
    assert NotificationPreference.objects.get(user=personas.approver).language == "ko"
    event = AuditEvent.objects.get(action="notifications.language_updated")
    assert event.actor_name == "alice" and event.before == {"language": ""} and event.after == {"language": "ko"}
    page = client.get(reverse("dashboard"))
    assert _lang(page) == "ko" and KOREAN_NAV in page.content.decode()
    # Another browser, no cookie, an English Accept-Language: the saved choice still wins after log-in.
    other = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    other.force_login(personas.approver)
    assert _lang(other.get(reverse("dashboard"))) == "ko"
    assert user_language(personas.approver) == "ko"


def test_without_a_saved_choice_the_browser_language_is_used(personas):
    client = Client(HTTP_ACCEPT_LANGUAGE="ko-KR,ko;q=0.9,en;q=0.5")
    client.force_login(personas.auditor)
    page = client.get(reverse("dashboard"))
    assert _lang(page) == "ko" and KOREAN_NAV in page.content.decode()
    assert "Accept-Language" in page["Vary"]
    english = Client(HTTP_ACCEPT_LANGUAGE="en-US")
    english.force_login(personas.auditor)
    assert _lang(english.get(reverse("dashboard"))) == "en-gb"
    assert user_language(personas.auditor) == settings.LANGUAGE_CODE


def test_switching_back_to_english_is_saved_too(personas):
    client = Client(HTTP_ACCEPT_LANGUAGE="ko")
    client.force_login(personas.scientist)
    client.post(SWITCH, {"language": "en-gb", "next": "/"})
    assert _lang(client.get(reverse("dashboard"))) == "en-gb"
    assert user_language(personas.scientist) == "en-gb"


def test_unknown_language_is_a_400_and_saves_nothing(personas):
    client = Client()
    client.force_login(personas.scientist)
    response = client.post(SWITCH, {"language": "xx", "next": "/"})
    assert response.status_code == 400
    assert response.content.decode() == "Unknown language 'xx': choose one of en-gb, ko."
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert not NotificationPreference.objects.filter(user=personas.scientist).exists()
    assert client.post(SWITCH, {"next": "/"}).status_code == 400
    assert client.get(SWITCH).status_code == 405


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", ""])
def test_the_switcher_goes_back_only_to_this_site(client, target):
    response = client.post(SWITCH, {"language": "ko", "next": target})
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")


def test_the_service_changes_only_ones_own_language_and_audits_only_changes(personas):
    with pytest.raises(PermissionError_):
        services.language_update(user=personas.scientist, actor=personas.approver, language="ko")
    with pytest.raises(DomainError):
        services.language_update(user=personas.scientist, actor=personas.scientist, language="fr")
    services.language_update(user=personas.scientist, actor=personas.admin, language="ko")
    services.language_update(user=personas.scientist, actor=personas.scientist, language="ko")
    assert AuditEvent.objects.filter(action="notifications.language_updated").count() == 1
    services.language_update(user=personas.scientist, actor=personas.scientist, language="")
    assert user_language(personas.scientist) == settings.LANGUAGE_CODE


def test_user_language_of_nobody_is_the_default(db):
    from django.contrib.auth.models import AnonymousUser

    assert user_language(None) == user_language(AnonymousUser()) == settings.LANGUAGE_CODE


def test_the_audit_trail_is_written_in_english_whatever_the_readers_language(db):
    from django.utils import translation
    from django.utils.translation import gettext_lazy

    from registry.audit import audit_record

    with translation.override("ko"):
        assert str(gettext_lazy("Models")) == "모델"  # the catalogue is active...
        event = audit_record(
            action="test.language",
            object_type="test.thing",
            object_id=1,
            object_repr=cast(str, gettext_lazy("Models")),  # a lazy text where a str is expected: its str() is stored
            after={"label": gettext_lazy("Models"), "stage": gettext_lazy("Production")},
        )
    event.refresh_from_db()  # ...but what is stored, and hashed, is the source text
    assert event.object_repr == "Models" and event.after == {"label": "Models", "stage": "Production"}


def test_a_refusal_reads_in_the_readers_language_and_its_audit_record_stays_english(personas):
    from django.utils import translation

    from registry import services as registry_services
    from tests.registry.factories import make_model, make_version

    version = make_version(personas, make_model(personas))
    promotion, _ = registry_services.promotion_request_create(
        version=version, actor=personas.scientist_approver, justification="Ready."
    )
    with translation.override("ko"), pytest.raises(PermissionError_) as refused:
        registry_services.promotion_decide(request=promotion, actor=personas.scientist_approver, decision="approve")
    assert str(refused.value).startswith("4인 검토(four-eyes) 원칙")
    refusal = AuditEvent.objects.filter(action="promotion.decision_refused").get()
    assert refusal.after == {"reason": "four-eyes: the requester cannot decide their own request"}
