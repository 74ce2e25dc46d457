"""MLflow-shaped errors: ``{"error_code": "<ErrorCode>", "message": "..."}`` with MLflow's HTTP statuses.

Never a 5xx for a refusal: the MLflow client retries 500/502/503/504 (and 429) several times before giving up.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from rest_framework import exceptions as drf
from rest_framework.response import Response

from mlops_gov.api.exceptions import blocked_message, too_big_message
from mlops_gov.errors import ConflictError, DomainError, NotFoundError, PermissionError_
from registry.mlflow_api.filters import FilterError

INVALID_PARAMETER_VALUE = "INVALID_PARAMETER_VALUE"
RESOURCE_DOES_NOT_EXIST = "RESOURCE_DOES_NOT_EXIST"
RESOURCE_ALREADY_EXISTS = "RESOURCE_ALREADY_EXISTS"
PERMISSION_DENIED = "PERMISSION_DENIED"
UNAUTHENTICATED = "UNAUTHENTICATED"
INVALID_STATE = "INVALID_STATE"
BAD_REQUEST = "BAD_REQUEST"
ENDPOINT_NOT_FOUND = "ENDPOINT_NOT_FOUND"
REQUEST_LIMIT_EXCEEDED = "REQUEST_LIMIT_EXCEEDED"

STATUS = {
    INVALID_PARAMETER_VALUE: 400,
    RESOURCE_ALREADY_EXISTS: 400,
    INVALID_STATE: 400,
    BAD_REQUEST: 400,
    UNAUTHENTICATED: 401,
    PERMISSION_DENIED: 403,
    RESOURCE_DOES_NOT_EXIST: 404,
    ENDPOINT_NOT_FOUND: 404,
    REQUEST_LIMIT_EXCEEDED: 429,
}


class MlflowError(Exception):
    def __init__(self, error_code: str, message: str, status: int | None = None):
        super().__init__(message)
        self.error_code = error_code
        self.message = message
        self.status = status or STATUS.get(error_code, 400)


def error_response(error_code: str, message: str, status: int | None = None, headers=None) -> Response:
    status = status or STATUS.get(error_code, 400)
    return Response({"error_code": error_code, "message": message}, status=status, headers=headers)


def _validation_message(exc: DjangoValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
    return " ".join(exc.messages)


def _drf_detail(detail) -> str:
    if isinstance(detail, dict):
        return "; ".join(f"{key}: {_drf_detail(value)}" for key, value in detail.items())
    if isinstance(detail, list):
        return " ".join(_drf_detail(item) for item in detail)
    return str(detail)


def to_mlflow_error(exc: BaseException) -> tuple[str, str, int] | None:
    """Map an exception to (error_code, message, status); None for an unexpected error (left to Django)."""
    if isinstance(exc, MlflowError):
        return exc.error_code, exc.message, exc.status
    if isinstance(exc, FilterError):
        return INVALID_PARAMETER_VALUE, f"Invalid filter: {exc}", 400
    if isinstance(exc, DjangoValidationError):
        return INVALID_PARAMETER_VALUE, _validation_message(exc), 400
    if isinstance(exc, NotFoundError):
        return RESOURCE_DOES_NOT_EXIST, str(exc), 404
    if isinstance(exc, (PermissionError_, DjangoPermissionDenied)):
        return PERMISSION_DENIED, str(exc) or "Permission denied.", 403
    if isinstance(exc, ConflictError):
        return INVALID_STATE, str(exc), 400
    if isinstance(exc, (ProtectedError, RestrictedError)):
        return INVALID_STATE, blocked_message(exc), 400
    if isinstance(exc, RequestDataTooBig):
        return BAD_REQUEST, too_big_message(), 413
    if isinstance(exc, DomainError):
        return INVALID_PARAMETER_VALUE, str(exc), 400
    if isinstance(exc, Http404):
        return RESOURCE_DOES_NOT_EXIST, str(exc) or "Not found.", 404
    if isinstance(exc, (drf.NotAuthenticated, drf.AuthenticationFailed)):
        return UNAUTHENTICATED, _drf_detail(exc.detail), 401
    if isinstance(exc, drf.PermissionDenied):
        return PERMISSION_DENIED, _drf_detail(exc.detail), 403
    if isinstance(exc, drf.MethodNotAllowed):
        return ENDPOINT_NOT_FOUND, _drf_detail(exc.detail), 405
    if isinstance(exc, drf.Throttled):
        return REQUEST_LIMIT_EXCEEDED, _drf_detail(exc.detail), 429
    if isinstance(exc, (drf.ParseError, drf.UnsupportedMediaType)):
        return BAD_REQUEST, _drf_detail(exc.detail), 400
    if isinstance(exc, drf.NotFound):
        return RESOURCE_DOES_NOT_EXIST, _drf_detail(exc.detail), 404
    if isinstance(exc, drf.APIException):
        return INVALID_PARAMETER_VALUE, _drf_detail(exc.detail), exc.status_code
    return None


def exception_handler(exc, context):
    """DRF exception handler of the MLflow door (set per view through ``get_exception_handler``)."""
    mapped = to_mlflow_error(exc)
    if mapped is None:
        return None
    code, message, status = mapped
    headers = {}
    if status == 401:
        request = context.get("request")
        view = context.get("view")
        if request is not None and view is not None:
            header = view.get_authenticate_header(request)
            if header:
                headers["WWW-Authenticate"] = header
    return error_response(code, message, status, headers=headers or None)
