"""Domain errors raised by services; every interface (API, pages, admin, CLI) maps them to a clear message."""


class DomainError(Exception):
    """A request the domain refuses (bad input or a rule): 400."""


class NotFoundError(DomainError):
    """The object does not exist or is not visible to the caller: 404."""


class PermissionError_(DomainError):  # noqa: N801 - avoid shadowing the builtin PermissionError
    """The caller may not do this (e.g. four-eyes): 403."""


class ConflictError(DomainError):
    """The object's state does not allow this now (e.g. already decided): 409."""
