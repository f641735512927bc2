#!/usr/bin/env python3
"""Latency of the app list and the dashboard at platform scale, on SQLite and on PostgreSQL.

Issue 4's target: with 20,000 registered apps and 200,000 findings, the app list and the dashboard
answer in <= 200 ms at the 95th percentile, on both databases.

For each backend it
  * seeds a fresh database with `seed_bench` (crates/server/examples/seed_bench.rs: 20,000 apps
    of 300 owner units in every province and city, one finished scan and 10 findings each);
    SQLite in a temporary directory, PostgreSQL in a new database on 127.0.0.1:5432 (user
    postgres, trust authentication; skipped with a message when nothing listens there);
  * starts `medshield serve` on that data, signs in as the initial administrator (whole nation)
    and as a provincial regulator it creates through the API (unit kind regulator, region 440000
    Guangdong; password change and TOTP enrolment through tests/api/signin.py);
  * times, one request after another on a kept-alive connection, 20 warm-up requests and then N
    (default 200) of each of
        GET /api/v1/apps                GET /api/v1/apps?grade=C
        GET /api/v1/apps?q=Appointments GET /api/v1/apps?offset=10000
        GET /api/v1/dashboard
    for both accounts, and prints p50 / p95 / max in milliseconds.
Exits 1 if any p95 exceeds 200 ms (or a request fails). The load average is printed before and
after each backend: other work on the machine inflates every number.

Usage (binaries from `cargo build --release -p medshield --bin medshield` and
`cargo build --release -p medshield-server --example seed_bench`):
    python3 bench/platform.py [--backends sqlite,postgres] [--n 200] [--warmup 20] [--apps 20000]
                              [--medshield PATH] [--seed-bin PATH] [--pg-host 127.0.0.1] [--pg-port 5432]
                              [--keep]
"""

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "api"))
import signin  # noqa: E402  (tests/api/signin.py, standard library only)

TARGET = ROOT / (os.environ.get("CARGO_TARGET_DIR") or "target") / "release"
TARGET_MS = 200.0
ENDPOINTS = [
    ("apps (first page)", "/api/v1/apps"),
    ("apps?grade=C", "/api/v1/apps?grade=C"),
    ("apps?q=Appointments", "/api/v1/apps?q=Appointments"),
    ("apps?offset=10000", "/api/v1/apps?offset=10000"),
    ("dashboard", "/api/v1/dashboard"),
]


def load():
    return "%.2f %.2f %.2f" % os.getloadavg()


# ----- PostgreSQL: just enough of the wire protocol (trust auth, simple query) to create and
# drop a database, so that the benchmark needs no client library or psql.

def pg_simple(host, port, user, database, sql):
    with socket.create_connection((host, port), timeout=30) as s:
        params = b"user\0" + user.encode() + b"\0database\0" + database.encode() + b"\0\0"
        body = struct.pack("!I", 196608) + params
        s.sendall(struct.pack("!I", len(body) + 4) + body)

        def message():
            head = b""
            while len(head) < 5:
                chunk = s.recv(5 - len(head))
                if not chunk:
                    raise ConnectionError("PostgreSQL closed the connection")
                head += chunk
            kind, length = head[:1], struct.unpack("!I", head[1:])[0]
            payload = b""
            while len(payload) < length - 4:
                chunk = s.recv(length - 4 - len(payload))
                if not chunk:
                    raise ConnectionError("PostgreSQL closed the connection")
                payload += chunk
            return kind, payload

        def until_ready():
            error = None
            while True:
                kind, payload = message()
                if kind == b"R" and struct.unpack("!I", payload[:4])[0] != 0:
                    raise RuntimeError("PostgreSQL asks for a password; the benchmark expects trust auth")
                if kind == b"E":
                    fields = dict((f[:1], f[1:].decode("utf-8", "replace")) for f in payload.split(b"\0") if f)
                    error = fields.get(b"M", "error")
                if kind == b"Z":
                    if error:
                        raise RuntimeError(f"PostgreSQL: {error}")
                    return

        until_ready()
        q = sql.encode() + b"\0"
        s.sendall(b"Q" + struct.pack("!I", len(q) + 4) + q)
        until_ready()
        s.sendall(b"X" + struct.pack("!I", 4))


def pg_reachable(host, port):
    try:
        with socket.create_connection((host, port), timeout=3):
            return True
    except OSError:
        return False


# ----- the server

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary, data_dir, database_url, log_dir):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        cmd = [str(binary), "serve", "--data-dir", str(data_dir), "--listen", f"127.0.0.1:{self.port}"]
        if database_url:
            cmd += ["--database-url", database_url]
        env = dict(os.environ, MEDSHIELD_COOKIE_SECURE="false", MEDSHIELD_LOG="warn")
        self.out_path = log_dir / "server.out"
        self.out = open(self.out_path, "w")
        self.err = open(log_dir / "server.err", "w")
        self.proc = subprocess.Popen(cmd, stdout=self.out, stderr=self.err, env=env)
        deadline = time.time() + 120
        while time.time() < deadline:
            text = self.out_path.read_text()
            if "listening on" in text:
                break
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server stopped: {(log_dir / 'server.err').read_text()[-2000:]}")
            time.sleep(0.2)
        else:
            raise RuntimeError("the server did not start in 120 s")
        self.admin_password = None
        for line in self.out_path.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[0] == "MEDSHIELD-INITIAL-ADMIN":
                self.admin_password = parts[2]
        if not self.admin_password:
            raise RuntimeError("no MEDSHIELD-INITIAL-ADMIN line: was the database not fresh?")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()
        self.err.close()


def time_endpoint(base, session, path, n, warmup):
    """Sequential GETs on one kept-alive connection; returns the N timed latencies in ms."""
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    headers = {"Cookie": f"{signin.COOKIE_NAME}={session.cookie}", "Accept": "application/json"}
    out = []
    first = None
    try:
        for i in range(warmup + n):
            t0 = time.perf_counter()
            conn.request("GET", path, headers=headers)
            res = conn.getresponse()
            body = res.read()
            elapsed = (time.perf_counter() - t0) * 1000.0
            if res.status != 200:
                raise RuntimeError(f"GET {path} -> {res.status}: {body[:300]!r}")
            if first is None:
                first = json.loads(body)
            if i >= warmup:
                out.append(elapsed)
    finally:
        conn.close()
    return out, first


def percentile(values, p):
    ordered = sorted(values)
    # Nearest-rank: the smallest value with at least p % of the samples at or below it.
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def describe(path, doc):
    if path.startswith("/api/v1/dashboard"):
        return f"total_apps={doc['total_apps']} top_rules={len(doc['top_rules'])}"
    return f"total={doc['total']} items={len(doc['items'])}"


def run_backend(name, args, work):
    print(f"\n== {name} (load average before: {load()})", flush=True)
    data_dir = work / name / "data"
    data_dir.mkdir(parents=True)
    database_url = ""
    dbname = None
    if name == "postgres":
        dbname = f"medshield_bench_{os.getpid()}_{int(time.time())}"
        pg_simple(args.pg_host, args.pg_port, "postgres", "postgres", f'CREATE DATABASE "{dbname}"')
        database_url = f"postgres://postgres@{args.pg_host}:{args.pg_port}/{dbname}"
    results = []
    server = None
    try:
        t0 = time.perf_counter()
        seed = subprocess.run(
            [str(args.seed_bin), "--data-dir", str(data_dir), "--apps", str(args.apps)]
            + (["--database-url", database_url] if database_url else []),
            capture_output=True, text=True)
        if seed.returncode != 0:
            raise RuntimeError(f"seed_bench failed: {seed.stderr[-2000:]}")
        seed_line = next((l for l in seed.stdout.splitlines() if l.startswith("SEED-BENCH")), "")
        print(f"seeded in {time.perf_counter() - t0:.1f} s: {seed_line}", flush=True)

        server = Server(args.medshield, data_dir, database_url, work / name)
        admin = signin.sign_in(server.base, "admin", server.admin_password)
        _, unit = admin.call("POST", "/api/v1/units", {
            "name_zh": "广东省卫生健康委员会", "name_en": "Health Commission of Guangdong",
            "kind": "regulator", "region_code": "440000"})
        _, created = admin.call("POST", "/api/v1/users", {
            "username": "bench.regulator", "display_name": "基准监管", "role": "regulator",
            "unit_id": unit["id"]})
        regulator = signin.sign_in(server.base, "bench.regulator", created["one_time_password"])

        for who, session in (("admin", admin), ("regulator 440000", regulator)):
            for label, path in ENDPOINTS:
                samples, doc = time_endpoint(server.base, session, path, args.n, args.warmup)
                row = {
                    "backend": name, "who": who, "endpoint": label,
                    "p50": statistics.median(samples), "p95": percentile(samples, 95),
                    "max": max(samples), "what": describe(path, doc),
                }
                results.append(row)
                print(f"{name:8} {who:17} {label:21} p50 {row['p50']:7.1f}  p95 {row['p95']:7.1f}  "
                      f"max {row['max']:7.1f} ms   ({row['what']})", flush=True)
    finally:
        if server:
            server.stop()
        if dbname and not args.keep:
            try:
                pg_simple(args.pg_host, args.pg_port, "postgres", "postgres", f'DROP DATABASE IF EXISTS "{dbname}"')
            except (OSError, RuntimeError) as e:
                print(f"could not drop {dbname}: {e}", file=sys.stderr)
        elif dbname:
            print(f"kept database {database_url}")
    print(f"load average after: {load()}", flush=True)
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--apps", type=int, default=20000)
    ap.add_argument("--medshield", type=Path, default=TARGET / "medshield")
    ap.add_argument("--seed-bin", type=Path, default=TARGET / "examples" / "seed_bench")
    ap.add_argument("--pg-host", default="127.0.0.1")
    ap.add_argument("--pg-port", type=int, default=5432)
    ap.add_argument("--keep", action="store_true", help="keep the data directories and the PostgreSQL database")
    args = ap.parse_args()
    for binary in (args.medshield, args.seed_bin):
        if not binary.exists():
            print(f"platform.py: {binary} missing; build with cargo build --release -p medshield --bin medshield "
                  f"&& cargo build --release -p medshield-server --example seed_bench", file=sys.stderr)
            return 2

    print(f"platform.py: {args.apps} apps, N={args.n} after {args.warmup} warm-up requests, "
          f"{os.cpu_count()} CPUs, load average {load()}")
    work = Path(tempfile.mkdtemp(prefix="medshield-platform-bench-"))
    results = []
    skipped = []
    try:
        for name in [b.strip() for b in args.backends.split(",") if b.strip()]:
            if name not in ("sqlite", "postgres"):
                print(f"platform.py: unknown backend {name!r}", file=sys.stderr)
                return 2
            if name == "postgres" and not pg_reachable(args.pg_host, args.pg_port):
                print(f"\n== postgres: SKIPPED, nothing listens on {args.pg_host}:{args.pg_port}")
                skipped.append(name)
                continue
            results += run_backend(name, args, work)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    print("\n| backend | account | endpoint | p50 ms | p95 ms | max ms | result |")
    print("|---|---|---|---:|---:|---:|---|")
    for r in results:
        print(f"| {r['backend']} | {r['who']} | {r['endpoint']} | {r['p50']:.1f} | {r['p95']:.1f} | "
              f"{r['max']:.1f} | {r['what']} |")
    slow = [r for r in results if r["p95"] > TARGET_MS]
    for r in slow:
        print(f"FAIL: {r['backend']} {r['who']} {r['endpoint']}: p95 {r['p95']:.1f} ms > {TARGET_MS:.0f} ms")
    if skipped:
        print(f"not measured: {', '.join(skipped)}")
    print(f"platform: {len(results) - len(slow)} passed, {len(slow)} failed")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
