"""Built-in maturity frameworks (``assessments/frameworks/*.yaml``), loaded all-or-nothing and idempotently: an
unchanged file is a no-op, a changed file becomes a new framework version."""

from __future__ import annotations

from assessments import services


def load() -> str:
    results = services.frameworks_load_files(files=services.builtin_framework_files(), builtin=True)
    loaded = [f"{fw.slug} v{fw.version}" for fw, created in results if created]
    return f"frameworks loaded: {', '.join(loaded)}" if loaded else ""
