"""Benchmark: the review application's queue and case pages under 20 concurrent users.

Seeds a review database directly (bulk inserts, not the pipeline) with 100,000 open
cases: 90% single claims and 10% rings of five claims with their linking identifiers,
140,000 claims in all. Serves it with ``claimscreen review serve --workers N`` (one
process per core by default) and has 20 signed-in users, spread over ``--clients``
load-generating processes of their own (not the servers' processes or event loop), each
load queue pages (various pages, filters and sort orders), searches (by name, claim id, phone,
email, SSN last four) and case pages (random cases); prints
p50/p95/max latency per page, pages per second, the servers' CPU time per page, and the
load average before and after the run (other work on the machine inflates the figures:
re-run when it is above about 2 before the run). On SQLite (HOME/review.db) and, when
reachable, on PostgreSQL.

Goal (issues #6, #19): p95 <= 200 ms for the queue, search and case pages, on both databases.

    .venv/bin/python bench/review.py [--cases 100000] [--users 20] [--rounds 25] [--workers 2]
        [--clients 4] [--postgres postgresql+psycopg://root@127.0.0.1:5432/test] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import multiprocessing
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
from sqlalchemy import Engine, insert, make_url, text

from claimscreen.review.auth import hasher
from claimscreen.review.db import (
    case_claims,
    case_reasons,
    case_search,
    cases,
    claims,
    make_engine,
    migrate,
    ring_links,
    users,
)
from claimscreen.review.publish import sort_key
from claimscreen.review.search import claim_terms, search_rows

PASSWORD = "benchmark-password"
RING_SIZE = 5
CHUNK = 5000
WORKERS = os.cpu_count() or 1
FIRST_NAMES = ["Pat", "José", "Maria", "Nguyễn", "Li", "Sam", "Ana", "John", "Aisha", "Omar",
               "Chen", "Olga", "Ravi", "Lucia", "Tom", "Mei", "Ivan", "Sara", "Kofi", "Emma"]  # fmt: skip


def surname(n: int) -> str:
    """A last name of its own for each claim ("Doebcd"): names fold to letters only."""
    letters = ""
    while n:
        n, r = divmod(n, 26)
        letters += "abcdefghijklmnopqrstuvwxyz"[r]
    return "Doe" + letters


def seed(engine: Engine, n_cases: int, n_users: int) -> None:
    """Bulk-insert users, cases, claims, case claims and ring links."""
    rng = random.Random(6)
    stamp = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    password_hash = hasher.hash(PASSWORD)
    with engine.begin() as conn:
        conn.execute(
            insert(users),
            [{"username": f"user{i}", "role": "investigator", "password_hash": password_hash, "active": True,
              "created_at": stamp} for i in range(n_users)],
        )  # fmt: skip
    case_rows, reason_rows, claim_rows, member_rows, link_rows = [], [], [], [], []
    claim_no = 0
    for case_id in range(1, n_cases + 1):
        ring = case_id % 10 == 0
        size = RING_SIZE if ring else 1
        ring_id = f"R-{case_id:08d}" if ring else None
        night = dt.date(2026, 10, 1) + dt.timedelta(days=rng.randrange(30))
        filed = dt.datetime.combine(night, dt.time(12), dt.UTC) - dt.timedelta(hours=rng.randrange(24))
        risk = rng.random()
        priority = risk + (0.05 if ring else 0)
        code = rng.choice(["shared_bank_account", "device_burst", "ip_foreign", "deceased_ssn"])
        case_rows.append({
            "id": case_id, "case_key": f"case-{case_id}", "status": "open", "assignee_id": None,
            "assigned_at": None, "ring_id": ring_id, "ring_size": size, "claims": size, "risk_score": risk,
            "priority": priority, "sort_key": sort_key(priority, filed.date()), "night": night,
            "first_filed_at": filed, "route": "review", "audit_sample": False, "reason_codes": f";{code};",
            "first_reason": f"Reason {code} in plain words", "opened_at": stamp, "updated_at": stamp,
            "claimant": f"{FIRST_NAMES[(claim_no + 1) % 20]} {surname(claim_no + 1)}",
        })  # fmt: skip
        reason_rows.append(
            {"case_id": case_id, "code": code, "status": "open", "sort_key": case_rows[-1]["sort_key"]}
        )
        for _ in range(size):
            claim_no += 1
            claim_id = f"B{claim_no:09d}"
            claim_rows.append({
                "claim_id": claim_id, "batch_date": night, "identity_id": f"I{claim_no:09d}",
                "ring_id": ring_id, "filed_at": filed, "first_name": FIRST_NAMES[claim_no % 20],
                "middle_name": None,
                "last_name": surname(claim_no), "date_of_birth": dt.date(1980, 1, 1),
                "address_line1": f"{claim_no} Main St", "address_line2": None, "city": "Columbus",
                "state": "OH", "zip5": "43004", "email": f"p{claim_no}@example.org",
                "phone_e164": f"+1614{5550000 + claim_no:07d}",
                "ssn_last4": f"{claim_no % 10000:04d}", "bank_account_last4": "1234",
                "payment_method": "direct_deposit", "employer_name": "Acme", "channel": "web",
                "ip_address": "203.0.113.9", "device_id": f"dev-{case_id}", "language": "en",
            })  # fmt: skip
            member_rows.append({
                "claim_id": claim_id, "case_id": case_id, "batch_date": night, "route": "review",
                "audit_sample": False, "risk_score": risk, "priority": priority, "reasons": code,
                "reason_text": [f"Reason {code} in plain words"], "model_version": "bench",
                "published_at": stamp,
            })  # fmt: skip
            if ring:
                for kind, key in (("bank_account", "b"), ("device", "d")):
                    link = {"ring_id": ring_id, "claim_id": claim_id, "kind": kind}
                    link_rows.append({**link, "link_key": f"{key}{case_id}", "display": f"{kind} {case_id}"})
    terms: dict[int, list[set[str]]] = {}
    for member, found in zip(member_rows, claim_terms(claim_rows), strict=True):
        terms.setdefault(member["case_id"], []).append(found)
    search = search_rows((c["id"], "open", c["sort_key"], terms[c["id"]]) for c in case_rows)
    for table, rows in (
        (cases, case_rows),
        (case_search, search),
        (case_reasons, reason_rows),
        (claims, claim_rows),
        (case_claims, member_rows),
        (ring_links, link_rows),
    ):
        with engine.begin() as conn:
            for start in range(0, len(rows), CHUNK):
                conn.execute(insert(table), rows[start : start + CHUNK])
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))")
            )
        # What autovacuum does to a table loaded long ago: statistics, and the visibility map
        # that lets the queue read its indexes alone (index-only scans).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(home: Path, url: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "CLAIMSCREEN_DATABASE_URL": url, "PREFECT_HOME": str(home / "prefect")}
    command = [sys.executable, "-m", "claimscreen", "--home", str(home), "review", "serve",
               "--port", str(port), "--workers", str(workers)]  # fmt: skip
    process = subprocess.Popen(command, env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(f"{base}/healthz", timeout=1)
            return process, base
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start")


def signed_in(base: str, name: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": token})
    return client


def user_session(
    client: httpx.Client, name: str, n_cases: int, rounds: int, timings: dict[str, list[float]]
) -> None:
    rng = random.Random(name)
    with contextlib.closing(client):
        for _ in range(rounds):
            query = rng.choice(["", "?page=2", f"?page={rng.randrange(1, 50)}", "?reason=device_burst",
                                "?night=2026-10-05", "?assignee=none", "?sort=risk", "?sort=waiting&page=3",
                                "?assignee=me&status=active", "?reason=device_burst&sort=risk"])  # fmt: skip
            started = time.perf_counter()
            response = client.get(f"/queue{query}")
            timings["queue"].append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
            n = rng.randrange(1, n_cases * 14 // 10 + 1)  # 0.9 single claims and 0.1 rings of 5 per case
            first = FIRST_NAMES[n % 20]
            search = rng.choice([surname(n), f"{first.lower()} {surname(n).lower()}", first, f"B{n:09d}",
                                 f"614-{5550000 + n:07d}", f"P{n}@example.org", f"{n % 10000:04d}",
                                 f"{first}&page=3"])  # fmt: skip
            started = time.perf_counter()
            response = client.get(f"/queue?q={search}")
            timings["search"].append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
            started = time.perf_counter()
            response = client.get(f"/cases/{rng.randrange(1, n_cases + 1)}")
            timings["case"].append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code


def client_process(base: str, names: list[str], n_cases: int, rounds: int, start: Any, out: Any) -> None:
    """One load-generating process: its users sign in (argon2: not part of the measure), then,
    once every process is ready (the ``start`` barrier), each loads pages in a thread of its own."""
    timings: dict[str, list[float]] = {"queue": [], "search": [], "case": []}
    clients = {name: signed_in(base, name) for name in names}
    threads = [threading.Thread(target=user_session, args=(clients[n], n, n_cases, rounds, timings))
               for n in names]  # fmt: skip
    start.wait()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put(timings)


def server_cpu(process: subprocess.Popen[bytes]) -> float:
    """CPU seconds used so far by the server and its worker processes."""
    parent = psutil.Process(process.pid)
    total = 0.0
    for p in [parent, *parent.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            times = p.cpu_times()
            total += times.user + times.system
    return total


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def measure(home: Path, url: str, args: argparse.Namespace) -> None:
    n_cases, n_users, rounds = args.cases, args.users, args.rounds
    engine = make_engine(url)
    started = time.perf_counter()
    migrate(engine)
    seed(engine, n_cases, n_users)
    engine.dispose()
    print(f"  seeded {n_cases:,} cases in {time.perf_counter() - started:.1f} s")
    process, base = serve(home, url, args.workers)
    context = multiprocessing.get_context("spawn")
    groups = [
        g for g in ([f"user{i}" for i in range(n_users)][k :: args.clients] for k in range(args.clients)) if g
    ]
    start, out = context.Barrier(len(groups) + 1), context.Queue()
    clients = [
        context.Process(target=client_process, args=(base, g, n_cases, rounds, start, out)) for g in groups
    ]
    try:
        for k in range(4):  # warm-up: every worker process renders both pages
            user_session(
                signed_in(base, f"user{k}"), f"user{k}", n_cases, 5, {"queue": [], "search": [], "case": []}
            )
        for c in clients:
            c.start()
        start.wait(timeout=600)  # every user has signed in
        cpu = server_cpu(process)
        wall = time.perf_counter()
        print(f"  load average at the start (1, 5, 15 min): {load()}")
        timings: dict[str, list[float]] = {"queue": [], "search": [], "case": []}
        for _ in clients:
            for page, values in out.get(timeout=600).items():
                timings[page].extend(values)
        wall = time.perf_counter() - wall
        cpu = server_cpu(process) - cpu
        for c in clients:
            c.join()
        print(f"  load average after the run: {load()}")
    finally:
        process.terminate()
        process.wait(timeout=30)
    total = sum(len(v) for v in timings.values())
    print(f"  {n_users} users in {len(clients)} client processes, {args.workers} server processes: "
          f"{total} page loads in {wall:.1f} s ({total / wall:.0f} pages/s), "
          f"server CPU {1000 * cpu / total:.1f} ms per page")  # fmt: skip
    for page, values in timings.items():
        ms = sorted(v * 1000 for v in values)
        p95 = ms[int(0.95 * (len(ms) - 1))]
        print(f"  {page:<6} p50 {statistics.median(ms):6.1f} ms   p95 {p95:6.1f} ms   max {ms[-1]:6.1f} ms"
              f"   {'OK' if p95 <= 200 else 'OVER the 200 ms goal'}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument(
        "--workers", type=int, default=WORKERS, help="server processes (default: one per core)"
    )
    parser.add_argument("--clients", type=int, default=4, help="load-generating processes")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--postgres", default="postgresql+psycopg://root@127.0.0.1:5432/test")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="review-bench-") as folder:
        home = Path(folder)
        print("SQLite (HOME/review.db)")
        measure(home, f"sqlite:///{home / 'review.db'}", args)
        if args.skip_postgres:
            return
        name = f"review_bench_{os.getpid()}"
        admin = make_engine(args.postgres, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:
            print(f"PostgreSQL skipped: {str(exc).splitlines()[0]}")
            return
        try:
            url = make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
            print(f"PostgreSQL ({make_url(args.postgres).host})")
            measure(home, url, args)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
