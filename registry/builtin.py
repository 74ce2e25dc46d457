"""Built-in registry data: the default promotion policy of each risk tier (never overwrites an edited one)."""

from registry.models import AuditChainHead
from registry.services import policies_ensure_defaults


def load() -> str:
    AuditChainHead.objects.get_or_create(pk=1)
    created = policies_ensure_defaults()
    return f"{created} default promotion policies created" if created else ""
