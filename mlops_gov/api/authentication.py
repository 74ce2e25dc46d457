"""API authentication classes shared by every API door."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import TokenAuthentication


class BearerTokenAuthentication(TokenAuthentication):
    """The same DRF tokens, sent as ``Authorization: Bearer <key>`` (what the MLflow client and most tools send)."""

    keyword = "Bearer"


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Document the Bearer keyword in the OpenAPI schema (distinct from DRF's ``Token`` scheme)."""

    target_class = "mlops_gov.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "The same API token as `Token <key>`."}
