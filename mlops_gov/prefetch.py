"""Overlap producing and consuming an iterator: a background thread stays a few items ahead."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")


def prefetched(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """Iterate ``items`` produced by a background thread, ``depth`` ahead: e.g. the database builds the next chunk
    while the caller hashes this one (psycopg releases the GIL while it waits for the server). An exception raised by
    the producer is re-raised in the consumer."""
    buffer: queue.Queue[object] = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                buffer.put(item)
            buffer.put(done)
        except Exception as exc:  # noqa: BLE001 - handed to the consumer, which re-raises it
            buffer.put(exc)

    worker = threading.Thread(target=produce, name="prefetch", daemon=True)
    worker.start()
    try:
        while (item := buffer.get()) is not done:
            if isinstance(item, Exception):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full buffer, then wait for it
            with contextlib.suppress(queue.Empty):
                buffer.get(timeout=0.05)
        worker.join()
