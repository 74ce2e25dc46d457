"""Map domain errors to clear 4xx answers; everything else goes through DRF's handler."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from mlops_gov.errors import ConflictError, DomainError, NotFoundError, PermissionError_


def blocked_by(exc: ProtectedError | RestrictedError) -> list[dict[str, Any]]:
    """What still refers to an object that could not be deleted: kind and count, most numerous first."""
    objects = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
    counts = Counter(str(obj._meta.verbose_name) for obj in objects)
    return [{"kind": kind, "count": count} for kind, count in counts.most_common()]


def blocked_message(exc: ProtectedError | RestrictedError) -> str:
    """One sentence saying what blocks a deletion and what to do, e.g. "... (2 datasets, 1 drift check) ..."."""
    parts = [f"{item['count']} {item['kind']}{'' if item['count'] == 1 else 's'}" for item in blocked_by(exc)]
    return gettext("Cannot delete it while other records refer to it (%(parts)s): delete those first.") % {
        "parts": ", ".join(parts)
    }


def too_big_message() -> str:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return gettext(
        "The request body is larger than the limit of %(limit)s bytes; send less (upload large files as files)."
    ) % {"limit": f"{limit:,}"}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, NotFoundError):
        return Response({"detail": str(exc)}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, (PermissionError_, DjangoPermissionDenied)):
        return Response({"detail": str(exc) or gettext("Permission denied.")}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, ConflictError):
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, (ProtectedError, RestrictedError)):
        return Response(
            {"detail": blocked_message(exc), "blocked_by": blocked_by(exc)}, status=status.HTTP_409_CONFLICT
        )
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": too_big_message()}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, DomainError):
        return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)
