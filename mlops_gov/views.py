from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from mlops_gov.api.permissions import IsAuthenticatedUser
from mlops_gov.dashboard import needs_me, portfolio_summary


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
