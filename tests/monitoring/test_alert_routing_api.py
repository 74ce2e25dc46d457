"""Alert routing through the REST API: webhook endpoints and alert rules, edited by ML engineers through the audited
service, read by every role; the webhook secret is write-only; SSRF targets and unknown events are refused."""

from __future__ import annotations

import json
import logging

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from mlops_gov.errors import ConflictError, PermissionError_
from monitoring import services
from monitoring.domain import netguard
from monitoring.models import AlertRule, WebhookEndpoint
from registry import services as registry_services
from registry.models import AuditEvent

pytestmark = pytest.mark.django_db

SETTINGS = __import__("django.conf").conf.settings
HOOKS = "/api/v1/webhook-endpoints/"
RULES = "/api/v1/alert-rules/"
SECRET = "wh-secret-7f3a9c0e51d2"
NEW_SECRET = "wh-rotated-0b8e44a2c9f1"
PUBLIC_IP = "93.184.216.34"


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    """No network in tests: *.example.org resolves to a public address, internal.example.org to a private one;
    anything else (localhost, numeric spellings) goes to the system resolver, which answers those locally."""
    real = netguard.system_resolver

    def resolver(host: str, port: int) -> list[str]:
        if host == "internal.example.org":
            return ["10.0.0.7"]
        if host.endswith("example.org"):
            return [PUBLIC_IP]
        return real(host, port)

    monkeypatch.setattr(netguard, "system_resolver", resolver)


@pytest.fixture
def model(personas):
    return registry_services.model_create(actor=personas.scientist, name="churn", team=personas.team)


def hook_body(**extra):
    return {"name": "ci", "url": "https://hooks.example.org/mlops", "secret": SECRET, **extra}


@pytest.fixture
def hook(api, personas):
    response = api(personas.engineer).post(HOOKS, hook_body())
    assert response.status_code == 201, response.content
    return WebhookEndpoint.objects.get(name="ci")


def rule_body(**extra):
    return {"name": "drift to ci", "events": ["drift", "promotion.applied"], "webhook": "ci", **extra}


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


# --- roles ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["engineer", "admin"])
def test_engineers_and_admins_manage_both_resources(api, personas, model, who):
    client = api(getattr(personas, who))
    assert client.post(HOOKS, hook_body()).status_code == 201
    assert client.patch(f"{HOOKS}ci/", {"enabled": False}).status_code == 200
    response = client.post(RULES, rule_body(model="churn"))
    assert response.status_code == 201, response.content
    assert response.data["model"] == "churn" and response.data["webhook"] == "ci"
    assert client.patch(f"{RULES}drift to ci/", {"emails": ["oncall@example.org"]}).status_code == 200
    assert client.delete(f"{RULES}drift to ci/").status_code == 204
    assert client.delete(f"{HOOKS}ci/").status_code == 204
    assert not WebhookEndpoint.objects.exists() and not AlertRule.objects.exists()


@pytest.mark.parametrize("who", ["scientist", "outsider", "approver", "auditor", "scientist_approver"])
def test_other_roles_read_but_do_not_write(api, personas, hook, who):
    AlertRule.objects.create(name="r", events=["drift"], webhook=hook)
    client = api(getattr(personas, who))
    for url in (HOOKS, f"{HOOKS}ci/", RULES, f"{RULES}r/"):
        assert client.get(url).status_code == 200, url
    assert client.post(HOOKS, hook_body(name="other")).status_code == 403
    assert client.patch(f"{HOOKS}ci/", {"url": "https://evil.example.org/"}).status_code == 403
    assert client.delete(f"{HOOKS}ci/").status_code == 403
    assert client.post(RULES, rule_body(name="other")).status_code == 403
    assert client.patch(f"{RULES}r/", {"events": ["quality"]}).status_code == 403
    assert client.delete(f"{RULES}r/").status_code == 403
    hook.refresh_from_db()
    assert hook.url == "https://hooks.example.org/mlops" and WebhookEndpoint.objects.count() == 1
    assert AlertRule.objects.get().events == ["drift"]


def test_no_role_and_anonymous_are_refused(api, personas, hook):
    for url in (HOOKS, f"{HOOKS}ci/", RULES):
        assert api(personas.nobody).get(url).status_code == 403
        assert api().get(url).status_code in (401, 403)
    assert api().post(HOOKS, hook_body(name="anon")).status_code in (401, 403)
    assert api().delete(f"{HOOKS}ci/").status_code in (401, 403)
    assert WebhookEndpoint.objects.count() == 1


def test_the_service_checks_the_callers_rights_too(personas):
    with pytest.raises(PermissionError_):
        services.alert_routing_save(obj=WebhookEndpoint(), actor=personas.scientist, changes=hook_body())
    with pytest.raises(PermissionError_):
        services.alert_routing_delete(obj=WebhookEndpoint(name="x"), actor=personas.auditor)


# --- the secret is write-only -----------------------------------------------------------------------------------------


def test_the_secret_never_leaves_the_server(api, personas, model, client, caplog):
    caplog.set_level(logging.DEBUG)
    engineer = api(personas.engineer)
    bodies = []

    def call(response, expected):
        assert response.status_code == expected, response.content
        bodies.append(response.content.decode())
        return response

    created = call(engineer.post(HOOKS, hook_body()), 201)
    assert created.data["has_secret"] is True and "secret" not in created.data
    call(engineer.post(RULES, rule_body(model="churn")), 201)
    call(engineer.get(HOOKS), 200)
    call(engineer.get(f"{HOOKS}ci/"), 200)
    call(engineer.get(RULES), 200)
    call(engineer.options(HOOKS), 200)
    # Errors: a duplicate, a bad URL and a too long secret, each sent with a secret, answer without it.
    call(engineer.post(HOOKS, hook_body()), 409)
    call(engineer.post(HOOKS, hook_body(name="x", url="http://169.254.169.254/", secret=NEW_SECRET)), 400)
    call(engineer.patch(f"{HOOKS}ci/", {"secret": NEW_SECRET * 20}), 400)
    call(engineer.patch(f"{HOOKS}ci/", {"secret": ["not", NEW_SECRET]}), 400)
    # An update without the secret keeps it; one with a new secret rotates it.
    call(engineer.patch(f"{HOOKS}ci/", {"url": "https://hooks.example.org/v2"}), 200)
    assert WebhookEndpoint.objects.get(name="ci").secret == SECRET
    call(engineer.patch(f"{HOOKS}ci/", {"secret": NEW_SECRET}), 200)
    assert WebhookEndpoint.objects.get(name="ci").secret == NEW_SECRET
    # The browsable API and the audit trail, through the API and in the database.
    client.force_login(personas.engineer)
    call(client.get(f"{HOOKS}ci/", HTTP_ACCEPT="text/html"), 200)
    call(client.get(HOOKS, HTTP_ACCEPT="text/html"), 200)
    call(api(personas.auditor).get("/api/v1/audit/", {"page_size": 500}), 200)
    call(engineer.delete(f"{HOOKS}ci/"), 409)  # still used by the rule
    call(engineer.delete(f"{RULES}drift to ci/"), 204)
    call(engineer.delete(f"{HOOKS}ci/"), 204)
    stored_events = [
        json.dumps([e.before, e.after, e.object_repr, e.canonical], default=str)
        for e in AuditEvent.objects.filter(action__startswith="monitoring.")
    ]
    assert len(stored_events) == 6
    for text in [*bodies, *stored_events, caplog.text]:
        assert SECRET not in text and NEW_SECRET not in text
    rotated = events("monitoring.webhookendpoint_updated")
    assert [e.after["secret"] for e in rotated] == ["<redacted>", "<redacted, changed>"]
    assert events("monitoring.webhookendpoint_deleted")[0].before["secret"] == "<redacted>"


def test_has_secret_is_false_for_an_endpoint_saved_without_one(api, personas):
    WebhookEndpoint.objects.create(name="legacy", url="https://hooks.example.org/", secret="")
    assert api(personas.auditor).get(f"{HOOKS}legacy/").data["has_secret"] is False


def test_a_new_endpoint_needs_a_secret(api, personas):
    response = api(personas.engineer).post(HOOKS, {"name": "n", "url": "https://hooks.example.org/"})
    assert response.status_code == 400 and "secret" in response.data


# --- SSRF ---------------------------------------------------------------------------------------------------------


SSRF_URLS = [
    "http://127.0.0.1/hook",
    "http://127.0.0.1:8080/hook",
    "HTTP://127.0.0.1/hook",
    "http://127.1/",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[::ffff:7f00:1]/hook",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::ffff:169.254.169.254]/latest/meta-data/",
    "http://10.0.0.5/hook",
    "http://10.255.255.254:9000/x",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",
    "http://0.0.0.0/",
    "http://224.0.0.1/",
    "http://localhost/hook",
    "http://localhost:8000/hook",
    "http://LOCALHOST/hook",
    "http://internal.example.org/hook",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://0x7f.0x0.0x0.0x1/",
    "http://0177.0.0.1/",
    "http://017700000001/",
    "http://2852039166/latest/meta-data/",
    "http://user:pw@hooks.example.org/",
    "file:///etc/passwd",
    "file://localhost/etc/passwd",
    "ftp://hooks.example.org/",
    "ftps://hooks.example.org/",
    "gopher://hooks.example.org:70/",
    "javascript:alert(1)",
    "//hooks.example.org/x",
    "hooks.example.org/x",
    "",
]


@pytest.mark.parametrize("url", SSRF_URLS)
def test_internal_and_non_http_urls_are_refused(api, personas, url):
    response = api(personas.engineer).post(HOOKS, hook_body(url=url))
    assert response.status_code == 400, response.content
    assert "url" in response.data and SECRET not in response.content.decode()
    assert not WebhookEndpoint.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="monitoring.").exists()


@pytest.mark.parametrize("url", ["http://127.0.0.1/hook", "http://[::1]/", "http://169.254.169.254/", "ftp://x.org/"])
def test_an_update_to_an_internal_url_is_refused_and_changes_nothing(api, personas, hook, url):
    response = api(personas.engineer).patch(f"{HOOKS}ci/", {"url": url})
    assert response.status_code == 400 and "url" in response.data
    hook.refresh_from_db()
    assert hook.url == "https://hooks.example.org/mlops"
    assert not events("monitoring.webhookendpoint_updated")


def test_the_refusal_says_why(api, personas):
    response = api(personas.engineer).post(HOOKS, hook_body(url="http://169.254.169.254/latest/"))
    assert "link-local" in response.data["url"][0] and "WEBHOOK_ALLOWED_NETWORKS" in response.data["url"][0]
    response = api(personas.engineer).post(HOOKS, hook_body(url="ftp://hooks.example.org/"))
    assert "Only http and https" in response.data["url"][0]


def test_an_operator_allow_listed_network_is_accepted(api, personas):
    client = api(personas.engineer)
    with override_settings(MLOPS_GOV={**SETTINGS.MLOPS_GOV, "WEBHOOK_ALLOWED_NETWORKS": ["127.0.0.0/8"]}):
        response = client.post(HOOKS, hook_body(url="http://127.0.0.1:9000/hook"))
        assert response.status_code == 201, response.content
        assert client.post(HOOKS, hook_body(name="b", url="http://10.0.0.1/")).status_code == 400


def test_a_name_that_does_not_resolve_yet_is_accepted_and_checked_again_when_sending(api, personas, monkeypatch):
    def no_dns(host, port):
        raise OSError("Name or service not known")

    monkeypatch.setattr(netguard, "system_resolver", no_dns)
    response = api(personas.engineer).post(HOOKS, hook_body(url="https://not-yet.example.net/hook"))
    assert response.status_code == 201
    from monitoring import webhooks

    with pytest.raises(webhooks.WebhookError, match="does not resolve"):
        webhooks.post("https://not-yet.example.net/hook", {}, secret="s", allowed_networks=[], resolver=no_dns)


@pytest.mark.parametrize("url", ["http://2130706433/", "http://0x7f000001/", "http://0177.0.0.1/", "http://127.1/"])
def test_numeric_spellings_are_refused_by_the_address_check_itself(url):
    # The URL validator already refuses these spellings; the destination check does not rely on it.
    from monitoring import webhooks

    with pytest.raises(netguard.BlockedDestination, match="loopback"):
        webhooks.validate_destination(url, allowed_networks=[])


def test_the_admin_path_refuses_internal_urls_too(personas):
    obj = WebhookEndpoint(name="meta", url="http://169.254.169.254/", secret="x")
    with pytest.raises(ValidationError) as refused:
        services.alert_routing_save(obj=obj, actor=personas.admin)
    assert "url" in refused.value.message_dict and not WebhookEndpoint.objects.exists()


# --- rule validation ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"events": ["drfit"]}, "events"),
        ({"events": ["drift", "version.deleted"]}, "events"),
        ({"events": []}, "events"),
        ({"events": "drift"}, "events"),
        ({"events": [1]}, "events"),
        ({"events": None}, "events"),
        ({"emails": ["not-an-address"]}, "emails"),
        ({"emails": ["ok@example.org", "a@b@c"]}, "emails"),
        ({"emails": "ok@example.org"}, "emails"),
        ({"emails": [{"a": 1}]}, "emails"),
        ({"webhook": None, "emails": []}, "webhook"),
        ({"webhook": None}, "webhook"),
        ({"name": ""}, "name"),
        ({"name": "a/b"}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"enabled": "perhaps"}, "enabled"),
    ],
)
def test_invalid_rules_are_400_naming_the_field(api, personas, hook, model, body, field):
    response = api(personas.engineer).post(RULES, rule_body(**body))
    assert response.status_code == 400, response.content
    assert field in response.data, response.data
    assert not AlertRule.objects.exists()


def test_unknown_event_message_lists_the_known_ones(api, personas, hook):
    response = api(personas.engineer).post(RULES, rule_body(events=["drfit"]))
    message = response.data["events"][0]
    assert "drfit" in message and "stale_data" in message and "promotion.applied" in message


def test_every_known_event_is_accepted(api, personas, hook):
    response = api(personas.engineer).post(RULES, rule_body(events=list(services.ROUTABLE_EVENTS)))
    assert response.status_code == 201
    assert set(response.data["events"]) == {"drift", "quality", "stale_data", "check_failed"} | set(
        services.GOVERNANCE_EVENTS
    )


def test_a_rule_with_emails_only_and_no_model_listens_to_every_model(api, personas, model):
    body = {"name": "mail", "events": ["stale_data"], "emails": ["ml-oncall@example.org"]}
    response = api(personas.engineer).post(RULES, body)
    assert response.status_code == 201 and response.data["webhook"] is None and response.data["model"] is None
    assert [r.name for r in services.rules_for("stale_data", model)] == ["mail"]


def test_a_partial_update_is_validated_as_a_whole(api, personas, hook):
    client = api(personas.engineer)
    assert client.post(RULES, rule_body()).status_code == 201
    response = client.patch(f"{RULES}drift to ci/", {"webhook": None})  # no e-mails either: the stored rule
    assert response.status_code == 409 and "no webhook and no e-mail" in response.data["detail"]
    response = client.patch(f"{RULES}drift to ci/", {"webhook": None, "emails": []})  # invalid by itself
    assert response.status_code == 400 and "webhook" in response.data
    assert AlertRule.objects.get().webhook == hook


@pytest.mark.parametrize("url", [HOOKS, RULES])
def test_duplicate_names_are_409(api, personas, hook, url):
    # A well-formed name another endpoint or rule holds: a conflict with what exists, as for a model's name.
    client = api(personas.engineer)
    body = hook_body() if url == HOOKS else rule_body()
    if url == RULES:
        assert client.post(url, body).status_code == 201
    response = client.post(url, body)
    assert response.status_code == 409 and "already exists" in response.data["detail"]
    second = hook_body(name="second") if url == HOOKS else rule_body(name="second")
    assert client.post(url, second).status_code == 201
    response = client.patch(f"{url}second/", {"name": body["name"]})
    assert response.status_code == 409 and "already exists" in response.data["detail"]


def test_malformed_bodies_are_400(api, personas, hook):
    client = api(personas.engineer)
    assert client.post(HOOKS, "not json", content_type="application/json").status_code == 400
    assert client.post(HOOKS, "[1, 2]", content_type="application/json").status_code == 400
    assert client.patch(f"{HOOKS}ci/", {"url": 12}).status_code == 400
    assert client.patch(f"{HOOKS}ci/", {"enabled": "perhaps"}).status_code == 400
    assert client.post(RULES, "null", content_type="application/json").status_code == 400


def test_the_admin_path_refuses_unknown_events_too(personas, hook):
    with pytest.raises(ValidationError) as refused:
        services.alert_routing_save(obj=AlertRule(name="r", events=["nope"], webhook=hook), actor=personas.admin)
    assert "events" in refused.value.message_dict


# --- audit ---------------------------------------------------------------------------------------------------------


def test_every_write_is_audited_with_the_caller_as_actor(api, personas, model):
    client = api(personas.engineer)
    assert client.post(HOOKS, hook_body()).status_code == 201
    created = events("monitoring.webhookendpoint_created")
    assert len(created) == 1 and created[0].actor_name == "eve" and created[0].channel == "api"
    assert created[0].after["url"] == "https://hooks.example.org/mlops" and created[0].after["secret"] == "<redacted>"

    assert client.post(RULES, rule_body(model="churn")).status_code == 201
    rule_created = events("monitoring.alertrule_created")[0]
    assert rule_created.actor_name == "eve" and rule_created.model_name == "churn"
    assert rule_created.after["events"] == ["drift", "promotion.applied"]

    assert client.patch(f"{RULES}drift to ci/", {"enabled": False, "emails": ["a@example.org"]}).status_code == 200
    updated = events("monitoring.alertrule_updated")[0]
    assert updated.actor_name == "eve" and updated.before["enabled"] is True and updated.after["enabled"] is False
    assert updated.after["emails"] == ["a@example.org"]

    assert client.patch(f"{HOOKS}ci/", {"name": "ci-renamed"}).status_code == 200
    renamed = events("monitoring.webhookendpoint_updated")[0]
    assert renamed.before["name"] == "ci" and renamed.after["name"] == "ci-renamed"
    assert client.get(f"{RULES}drift to ci/").data["webhook"] == "ci-renamed"

    assert client.delete(f"{RULES}drift to ci/").status_code == 204
    deleted = events("monitoring.alertrule_deleted")
    assert len(deleted) == 1 and deleted[0].actor_name == "eve" and deleted[0].before["name"] == "drift to ci"
    assert client.delete(f"{HOOKS}ci-renamed/").status_code == 204
    hook_deleted = events("monitoring.webhookendpoint_deleted")
    assert len(hook_deleted) == 1 and hook_deleted[0].actor_name == "eve"
    assert not WebhookEndpoint.objects.exists() and not AlertRule.objects.exists()


def test_refused_writes_leave_no_event(api, personas, hook):
    before = AuditEvent.objects.count()
    client = api(personas.engineer)
    client.post(RULES, rule_body(events=["nope"]))
    client.patch(f"{HOOKS}ci/", {"url": "http://127.0.0.1/"})
    api(personas.auditor).delete(f"{HOOKS}ci/")
    assert AuditEvent.objects.count() == before


def test_deleting_an_endpoint_in_use_is_refused_through_the_api(api, personas, hook):
    assert api(personas.engineer).post(RULES, rule_body()).status_code == 201
    response = api(personas.engineer).delete(f"{HOOKS}ci/")
    assert response.status_code == 409 and "drift to ci" in response.data["detail"]
    assert WebhookEndpoint.objects.filter(pk=hook.pk).exists() and AlertRule.objects.count() == 1
    assert not events("monitoring.webhookendpoint_deleted")


def test_the_admin_cascade_audits_each_rule_it_deletes(personas, hook):
    AlertRule.objects.create(name="r1", events=["drift"], webhook=hook)
    AlertRule.objects.create(name="r2", events=["quality"], webhook=hook)
    with pytest.raises(ConflictError):
        services.alert_routing_delete(obj=hook, actor=personas.engineer, cascade=False)
    services.alert_routing_delete(obj=hook, actor=personas.engineer)
    assert [e.before["name"] for e in events("monitoring.alertrule_deleted")] == ["r1", "r2"]
    assert len(events("monitoring.webhookendpoint_deleted")) == 1 and not AlertRule.objects.exists()


# --- lookups, filters, pagination ---------------------------------------------------------------------------------


@pytest.mark.parametrize("base", [HOOKS, RULES])
def test_unknown_names_are_404(api, personas, base):
    client = api(personas.engineer)
    assert client.get(f"{base}nope/").status_code == 404
    assert client.patch(f"{base}nope/", {"enabled": False}).status_code == 404
    assert client.delete(f"{base}nope/").status_code == 404
    assert not AuditEvent.objects.filter(action__startswith="monitoring.").exists()


def test_list_filters_and_ordering(api, personas, model):
    other = registry_services.model_create(actor=personas.scientist, name="fraud", team=personas.team)
    a = WebhookEndpoint.objects.create(name="alpha", url="https://a.example.org/", secret="s")
    b = WebhookEndpoint.objects.create(name="beta", url="https://b.example.org/", secret="s", enabled=False)
    AlertRule.objects.create(name="r-churn", events=["drift"], webhook=a, model=model)
    AlertRule.objects.create(name="r-fraud", events=["drift"], webhook=b, model=other, enabled=False)
    AlertRule.objects.create(name="r-all", events=["quality"], emails=["x@example.org"])
    client = api(personas.auditor)

    def names(url, **params):
        response = client.get(url, params)
        assert response.status_code == 200
        return [r["name"] for r in response.data["results"]]

    assert names(HOOKS) == ["alpha", "beta"]
    assert names(HOOKS, enabled="false") == ["beta"]
    assert names(HOOKS, name="alp") == ["alpha"]
    assert names(HOOKS, ordering="-name") == ["beta", "alpha"]
    assert names(RULES) == ["r-all", "r-churn", "r-fraud"]
    assert names(RULES, model="churn") == ["r-churn"]
    assert names(RULES, webhook="beta") == ["r-fraud"]
    assert names(RULES, enabled="true") == ["r-all", "r-churn"]
    assert names(RULES, name="fraud") == ["r-fraud"]
    assert names(RULES, ordering="-name", page_size=2) == ["r-fraud", "r-churn"]
    assert client.get(RULES, {"page_size": 2}).data["count"] == 3


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", [HOOKS, RULES, f"{RULES}?model=m1", f"{HOOKS}?enabled=true"])
def test_list_queries_do_not_grow_with_page_size(api, personas, url):
    for i in range(6):
        model = registry_services.model_create(actor=personas.scientist, name=f"m{i}", team=personas.team)
        hook = WebhookEndpoint.objects.create(name=f"h{i}", url=f"https://h{i}.example.org/", secret="s")
        AlertRule.objects.create(name=f"r{i}", events=["drift"], webhook=hook, model=model)
        AlertRule.objects.create(name=f"r{i}-mail", events=["drift"], emails=["a@example.org"], model=model)
    client = api(personas.auditor)
    sep = "&" if "?" in url else "?"
    _queries(client, f"{url}{sep}page_size=1")  # warm the user's permission cache
    small = _queries(client, f"{url}{sep}page_size=1")
    large = _queries(client, f"{url}{sep}page_size=200")
    assert small == large, f"{url}: {small} queries for 1 row, {large} for all"
    assert large <= 4


# --- webhook URLs are shown whole only to those who may edit webhooks ---------------------------------------------


@pytest.mark.parametrize(
    "url,shown",
    [
        ("https://hooks.example.org/services/T000/B000/XXXXSECRET", "https://hooks.example.org/…"),
        ("https://hooks.example.org/?token=abc", "https://hooks.example.org/…"),
        ("https://user:pass@hooks.example.org:8443/", "https://hooks.example.org:8443/…"),
        ("https://hooks.example.org/", "https://hooks.example.org/"),
        ("https://[2001:db8::1]/hook", "https://[2001:db8::1]/…"),
    ],
)
def test_redacted_url_keeps_scheme_and_host_only(url, shown):
    from monitoring.webhooks import redacted_url

    assert redacted_url(url) == shown


def test_readers_see_webhook_urls_redacted_editors_whole(api, personas):
    url = "https://hooks.example.org/services/T000/B000/XXXXSECRET"
    assert api(personas.engineer).post(HOOKS, hook_body(url=url)).status_code == 201
    assert api(personas.engineer).get(f"{HOOKS}ci/").json()["url"] == url
    for reader in (personas.auditor, personas.scientist, personas.approver):
        client = api(reader)
        assert client.get(f"{HOOKS}ci/").json()["url"] == "https://hooks.example.org/…"
        listed = client.get(HOOKS).json()["results"]
        assert [h["url"] for h in listed] == ["https://hooks.example.org/…"]
        assert "XXXXSECRET" not in client.get(HOOKS).content.decode()


def test_delivery_targets_of_webhooks_are_redacted_for_readers(api, personas):
    from monitoring.models import Delivery, DeliveryChannel

    url = "https://hooks.example.org/services/T000/B000/XXXXSECRET"
    Delivery.objects.create(event="drift", channel=DeliveryChannel.WEBHOOK, target=url)
    Delivery.objects.create(event="drift", channel=DeliveryChannel.EMAIL, target="ml-oncall@example.org")
    seen = {d["channel"]: d["target"] for d in api(personas.auditor).get("/api/v1/deliveries/").json()["results"]}
    assert seen == {"webhook": "https://hooks.example.org/…", "email": "ml-oncall@example.org"}
    full = {d["channel"]: d["target"] for d in api(personas.engineer).get("/api/v1/deliveries/").json()["results"]}
    assert full["webhook"] == url


def test_rules_deleted_with_their_model_are_audited_with_the_deleting_user(client, personas, model):
    rule = AlertRule.objects.create(name="churn-drift", model=model, events=["drift"], emails=["a@example.org"])
    client.force_login(personas.admin)
    response = client.post(f"/admin/registry/registeredmodel/{model.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not AlertRule.objects.filter(pk=rule.pk).exists()
    event = AuditEvent.objects.get(action="monitoring.alertrule_deleted")
    assert event.actor_name == "root" and event.object_repr == "churn-drift" and event.model_name == "churn"
    assert event.after == {"deleted_with": f"registry.registeredmodel:{model.pk}"}
    assert AuditEvent.objects.filter(action="model.deleted", object_repr="churn").count() == 1
    from registry.audit import audit_verify

    assert audit_verify().ok
