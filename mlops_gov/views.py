from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Literal, cast

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    HttpResponseServerError,
)
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from mlops_gov import i18n
from mlops_gov.api.permissions import IsAuthenticatedUser
from mlops_gov.dashboard import needs_me, portfolio_summary
from notifications import services as notification_services


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    context = {"summary": portfolio_summary(user=request.user), "needs_me": needs_me(user=request.user)}
    return render(request, "dashboard.html", context)


@extend_schema(
    request=None,
    responses=inline_serializer("TokenOut", {"token": serializers.CharField(), "created": serializers.BooleanField()}),
    description="Create (or return) the API token of the logged-in user. Send it as `Authorization: Token <key>` "
    "or `Authorization: Bearer <key>`.",
)
@api_view(["POST"])
@permission_classes([IsAuthenticatedUser])
def create_token(request: Request) -> Response:
    user = request.user
    if isinstance(user, AnonymousUser):  # IsAuthenticatedUser refused it already; this narrows the type
        raise NotAuthenticated
    token, created = Token.objects.get_or_create(user=user)
    return Response({"token": token.key, "created": created})


@extend_schema(
    responses=inline_serializer(
        "Me", {"username": serializers.CharField(), "roles": serializers.ListField(child=serializers.CharField())}
    )
)
@api_view(["GET"])
@permission_classes([IsAuthenticatedUser])
def me(request: Request) -> Response:
    return Response(
        {
            "username": request.user.get_username(),
            "roles": sorted(request.user.groups.values_list("name", flat=True)),
            "is_superuser": request.user.is_superuser,
        }
    )


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """The header's language switcher: saves the choice of a signed-in person (audited) and, for everyone, the
    language cookie; then back to the page it was sent from."""
    language = request.POST.get("language", "")
    if not i18n.supported(language):
        codes = ", ".join(code for code, _ in settings.LANGUAGES)
        return HttpResponseBadRequest(
            gettext("Unknown language %(language)r: choose one of %(codes)s.") % {"language": language, "codes": codes},
            content_type="text/plain; charset=utf-8",
        )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("dashboard")
    if request.user.is_authenticated:
        notification_services.language_update(user=request.user, actor=request.user, language=language)
        i18n.remember(request, language)
    response = HttpResponseRedirect(back)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=cast(Literal["Lax", "Strict", "None", False] | None, settings.LANGUAGE_COOKIE_SAMESITE),
    )
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page in the site's layout, rendered without the database (it may be what failed)."""
    html = loader.get_template("500.html").render({"request_id": getattr(request, "request_id", "")})
    return HttpResponseServerError(html)


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages that name none (API responses, files): point them at ours."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


# The API docs pages (Swagger UI, ReDoc) load only what we ship: the browser refuses anything from elsewhere (ReDoc's
# bundle, for one, asks a third party for a logo). Inline scripts and styles are the pages' own initialisation.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def same_origin_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = DOCS_CSP
        return response

    return wrapped
