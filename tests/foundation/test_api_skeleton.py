import io

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIRequestFactory

from mlops_gov.api.pagination import OrderedPageNumberPagination
from registry.models import RegisteredModel


@pytest.mark.django_db
def test_openapi_schema_generates_and_validates_without_warnings():
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", stdout=out)
    assert '"openapi"' in out.getvalue()
    assert "/api/v1/models/" in out.getvalue()


@pytest.mark.django_db
def test_schema_and_docs_are_served(client):
    assert client.get(reverse("api-schema")).status_code == 200
    docs = client.get(reverse("api-docs"))
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


@pytest.mark.django_db
def test_anonymous_requests_are_refused(client):
    assert client.get("/api/v1/models/").status_code in (401, 403)
    assert client.post("/api/v1/auth/token/").status_code in (401, 403)


@pytest.mark.django_db
def test_a_logged_in_user_creates_a_token_and_uses_it(client, personas):
    client.force_login(personas.auditor)
    response = client.post(reverse("api-token"))
    assert response.status_code == 200
    token = response.json()["token"]
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api.get(reverse("api-me"))
    assert me.status_code == 200 and me.json()["roles"] == ["auditor"]


@pytest.mark.django_db
def test_a_user_without_a_role_is_denied_model_reads(api, personas):
    assert api(personas.nobody).get("/api/v1/models/").status_code == 403
    assert api(personas.auditor).get("/api/v1/models/").status_code == 200


@pytest.mark.django_db
def test_pagination_refuses_an_unordered_queryset():
    request = APIRequestFactory().get("/")
    from rest_framework.request import Request
    from rest_framework.views import APIView

    with pytest.raises(ImproperlyConfigured):
        OrderedPageNumberPagination().paginate_queryset(
            RegisteredModel.objects.all().order_by(), Request(request), view=APIView()
        )


@pytest.mark.django_db
def test_request_id_is_echoed_and_generated(client):
    supplied = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="abc12345-trace")
    assert supplied["X-Request-ID"] == "abc12345-trace"
    hostile = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="<script>")
    assert hostile["X-Request-ID"] != "<script>" and len(hostile["X-Request-ID"]) == 36
