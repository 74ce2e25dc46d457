"""Celery tasks: thin, load what they need and call a service."""

from __future__ import annotations

from celery import shared_task


@shared_task(bind=True, max_retries=3, default_retry_delay=60, acks_late=True)
def deliver_email(self, *, subject: str, body: str, recipients: list[str]) -> int:
    from notifications import services

    try:
        return services.email_deliver(subject=subject, body=body, recipients=recipients)
    except OSError as exc:  # SMTP unreachable or refused: try again later
        raise self.retry(exc=exc) from exc
