"""Audit trail benchmark on PostgreSQL.

1. Appends per second through ``registry.audit.audit_record`` (one transaction each, chain head row-locked) from 1 and
   from 8 concurrent writers (threads, one connection each).
2. ``verify_audit`` on N (default 1,000,000) events bulk-loaded with valid hashes (computed here, loaded with COPY),
   compared with the raw speed of hashlib over the very same canonical bytes in the same run; and, for reference, the
   full recomputation from the columns (the path SQLite and legacy rows take).

3. Checkpoints (issue #14): writing a signed checkpoint (median of 50), and ``verify_audit --checkpoint FILE`` against
   plain ``verify_audit`` on the same N events, interleaved.

Run:  .venv/bin/python bench/audit_bench.py [--events 1000000] [--skip-slow] [--checkpoints-only]
It creates (and drops first) the database ``mlops_gov_bench_audit`` on 127.0.0.1:5432 as user postgres.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


DB_NAME = "mlops_gov_bench_audit"
PG = ["-h", "127.0.0.1", "-U", "postgres"]


def setup_django(db_name: str, *, fresh: bool = True) -> None:
    if fresh:
        subprocess.run(["dropdb", *PG, "--if-exists", db_name], check=True)
        subprocess.run(["createdb", *PG, db_name], check=True)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{db_name}"
    os.environ.setdefault("MLOPS_GOV_ENV", "development")
    os.environ["DJANGO_DEBUG"] = "false"  # no query log growing in memory
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlops_gov.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def bench_appends(writers: int, per_writer: int) -> float:
    from django.db import connection

    from mlops_gov.context import acting
    from registry.audit import audit_record

    barrier = threading.Barrier(writers + 1)
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            with acting(channel="task"):
                barrier.wait()
                for i in range(per_writer):
                    audit_record(
                        action="bench.append",
                        object_type="bench",
                        object_id=f"{index}-{i}",
                        object_repr=f"writer {index} event {i}",
                        after={"writer": index, "i": i, "ok": True},
                    )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return writers * per_writer / elapsed


def _truncate_audit() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET mlops_gov.allow_audit_truncate = 'on'")
        cursor.execute("TRUNCATE registry_auditevent")
        cursor.execute("SET mlops_gov.allow_audit_truncate = 'off'")
        cursor.execute("UPDATE registry_auditchainhead SET sequence = 0, hash = %s WHERE id = 1", ["0" * 64])


# What is written: the canonical bytes that were hashed and the hash; the database generates every other column.
COLUMNS = ("canonical", "hash")
ACTIONS = ["version.created", "card.updated", "version.stage_changed", "promotion.requested", "promotion.approved"]


def bulk_load(n: int, chunk: int = 20_000) -> tuple[float, float, int]:
    """COPY n valid events; returns (generation seconds, raw hashlib seconds over the same bytes, total bytes)."""
    from django.db import connection

    from registry.audit import _hashable
    from registry.domain import hashchain

    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    prev = hashchain.GENESIS_HASH
    hash_seconds = 0.0
    total_bytes = 0
    gen_started = time.perf_counter()
    sha256 = hashlib.sha256
    connection.ensure_connection()
    raw = connection.connection
    with raw.cursor() as cursor, cursor.copy(f"COPY registry_auditevent ({', '.join(COLUMNS)}) FROM STDIN") as copy:
        for base in range(1, n + 1, chunk):
            payloads = []
            for seq in range(base, min(base + chunk, n + 1)):
                model_id = seq % 1000 + 1
                fields = {
                    "sequence": seq,
                    "occurred_at": start + dt.timedelta(milliseconds=seq),
                    "actor_id": seq % 50 + 1,
                    "actor_name": f"user{seq % 50}",
                    "request_id": f"{seq:032x}",
                    "channel": "api",
                    "action": ACTIONS[seq % len(ACTIONS)],
                    "object_type": "registry.modelversion",
                    "object_id": str(seq),
                    "object_repr": f"model-{model_id:04d} v{seq % 10 + 1}",
                    "model_id": model_id,
                    "model_name": f"model-{model_id:04d}",
                    "before": {"stage": "staging"} if seq % 3 == 0 else None,
                    "after": {
                        "stage": "production",
                        "promotion_request": seq,
                        "gates": [{"name": "metrics", "passed": True, "detail": "Thresholds met: accuracy=0.93."}],
                    },
                    "prev_hash": prev,
                }
                canonical, digest = hashchain.seal(_hashable(fields))
                payloads.append(canonical.encode("utf-8"))
                prev = digest
                copy.write_row([canonical, digest])
            # Raw speed of hashing the same bytes (and hex-encoding, as verification compares hex digests).
            t = time.perf_counter()
            for payload in payloads:
                sha256(payload).hexdigest()
            hash_seconds += time.perf_counter() - t
            total_bytes += sum(len(p) for p in payloads)
    if not raw.autocommit:
        raw.commit()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE registry_auditchainhead SET sequence = %s, hash = %s WHERE id = 1", [n, prev])
        cursor.execute("ANALYZE registry_auditevent")
    return time.perf_counter() - gen_started, hash_seconds, total_bytes


def time_verify(repeats: int, *args: str) -> list[float]:
    from django.core.management import call_command

    timings = []
    for _ in range(repeats):
        t = time.perf_counter()
        call_command("verify_audit", *args, verbosity=0)
        timings.append(time.perf_counter() - t)
    return timings


def time_slow_verify() -> tuple[float, bool]:
    from registry.audit import _iter_stored_events, audit_head
    from registry.domain import hashchain

    head = audit_head()
    t = time.perf_counter()
    result = hashchain.verify(_iter_stored_events(), expected_head=(head["sequence"], head["hash"]))
    return time.perf_counter() - t, result.ok


def raw_hash_of_stored(n: int) -> float:
    """hashlib over the stored canonical bytes, read back first (reading not timed)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT canonical FROM registry_auditevent ORDER BY sequence")
        payloads = [row[0].encode("utf-8") for row in cursor.fetchall()]
    assert len(payloads) == n
    sha256 = hashlib.sha256
    t = time.perf_counter()
    for payload in payloads:
        sha256(payload).hexdigest()
    return time.perf_counter() - t


def bench_checkpoints(events: int, repeats: int) -> None:
    """Writing a checkpoint, and verifying against one versus verifying alone (interleaved, medians)."""
    import tempfile

    from django.test.utils import override_settings

    from registry.audit import checkpoints

    with (
        tempfile.TemporaryDirectory() as scratch,
        override_settings(AUDIT_SIGNING_KEY_FILE=Path(scratch) / "key.pem", AUDIT_SIGNING_KEY_GENERATE=True),
    ):
        checkpoints.signing_key()  # generated once, outside the timing
        checkpoints.checkpoint_write(new_key_chain=True)  # a database a previous run left holds another key's
        writes, cpu = [], []
        for _ in range(50):
            t, c = time.perf_counter(), time.process_time()
            checkpoints.checkpoint_write()
            writes.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        w = statistics.median(writes) * 1000
        print(
            f"checkpoint write: median {w:.1f} ms (50 writes; min {min(writes) * 1000:.1f}, max "
            f"{max(writes) * 1000:.1f} ms); this process's CPU per write: median "
            f"{statistics.median(cpu) * 1000:.1f} ms; load average: {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        cp_file = Path(scratch) / "cp.json"
        latest = checkpoints.checkpoint_latest()
        assert latest is not None, "50 checkpoints were just written"
        cp_file.write_text(latest.document)
        plain, anchored = [], []
        for _ in range(repeats):
            plain += time_verify(1)
            anchored += time_verify(1, "--checkpoint", str(cp_file))
        p, a = statistics.median(plain), statistics.median(anchored)
        print(
            f"verify_audit on {events:,} events: median {p:.2f}s (runs: {', '.join(f'{x:.2f}' for x in plain)}); "
            f"with --checkpoint: median {a:.2f}s (runs: {', '.join(f'{x:.2f}' for x in anchored)}); "
            f"ratio {a / p:.3f}x",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--appends", type=int, default=2000, help="appends per writer configuration")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-slow", action="store_true", help="skip the column-recomputation reference run")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--checkpoints-only", action="store_true", help="load the events, then part 3 only")
    parser.add_argument("--reuse", action="store_true", help="with --checkpoints-only: the events a --keep run left")
    args = parser.parse_args()
    setup_django(DB_NAME, fresh=not args.reuse)
    if args.checkpoints_only:
        from django.db import connection

        if not args.reuse:
            _truncate_audit()
            bulk_load(args.events)
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE registry_auditevent")
        bench_checkpoints(args.events, max(args.repeats, 5))
        return

    one = bench_appends(1, args.appends)
    eight = bench_appends(8, args.appends // 8)
    from registry.audit import audit_verify

    assert audit_verify().ok, "the chain must verify after concurrent appends"
    print(f"appends/s: 1 writer {one:,.0f}; 8 writers {eight:,.0f} (chain verified)", flush=True)

    from django.db import connection

    _truncate_audit()
    gen_s, hash_s_inline, total = bulk_load(args.events)
    print(f"loaded {args.events:,} events ({total / args.events:.0f} B canonical each) in {gen_s:.1f}s", flush=True)
    with connection.cursor() as cursor:  # what autovacuum does after a bulk load: index-only scans need it
        cursor.execute("VACUUM ANALYZE registry_auditevent")
    verify_s, independent_s, raw_s = [], [], []
    for _ in range(args.repeats):  # interleaved, so background noise falls on all three alike
        verify_s += time_verify(1)
        independent_s += time_verify(1, "--independent")
        raw_s.append(raw_hash_of_stored(args.events))
    r = statistics.median(raw_s)
    print(
        f"raw hashlib sha256+hexdigest over the same bytes: median {r:.2f}s = {args.events / r:,.0f} events/s "
        f"(runs: {', '.join(f'{x:.2f}' for x in raw_s)}; during load: {hash_s_inline:.2f}s)",
        flush=True,
    )
    for label, timings in (("verify_audit", verify_s), ("verify_audit --independent", independent_s)):
        v = statistics.median(timings)
        print(
            f"{label}: median {v:.2f}s = {args.events / v:,.0f} events/s "
            f"(runs: {', '.join(f'{x:.2f}' for x in timings)}); ratio to raw hashlib {v / r:.2f}x",
            flush=True,
        )
    if not args.skip_slow:
        slow_s, ok = time_slow_verify()
        print(
            f"reference, full recomputation from the columns: {slow_s:.2f}s = {args.events / slow_s:,.0f} "
            f"events/s, ok={ok}, ratio {slow_s / r:.2f}x",
            flush=True,
        )
    bench_checkpoints(args.events, max(args.repeats, 5))
    if not args.keep:
        from django.db import connections

        connections.close_all()
        subprocess.run(["dropdb", *PG, "--if-exists", DB_NAME], check=False)


if __name__ == "__main__":
    main()
