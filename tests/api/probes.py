#!/usr/bin/env python3
"""Malformed and oversized requests that schemathesis does not generate (it keeps bodies small and
well-formed at the HTTP level), each of which must be answered with a 4xx and the JSON error body
`{"error": code, "message": text}`.

Usage: probes.py --base URL --cookie 'ms_session=…' --csrf TOKEN --max-upload BYTES [--app-id ID]
The cookie must belong to an account that may register apps (an owner), so that the upload routes
get as far as reading the body. Exits 1 if any probe got anything else; prints one line per probe.

Probes marked `transport` are answered by hyper itself before any route runs (a request line over
hyper's fixed 64 KiB URI limit); the application cannot shape those answers, so they are reported
but do not fail the run.
"""

import argparse
import http.client
import json
import socket
import sys
import urllib.parse

JSON_LIMIT = 1024 * 1024  # crates/server/src/lib.rs JSON_LIMIT


def send(base, method, path, body=b"", headers=None):
    """Returns (status, content-type, body bytes), or (None, None, reason) when no answer came.

    Written on a raw socket because a server may answer (401, 413) before it has read a large
    body and close the connection: http.client would report the broken pipe and lose the answer
    the server did send.
    """
    url = urllib.parse.urlsplit(base)
    head = [f"{method} {path} HTTP/1.1", f"Host: {url.hostname}:{url.port}", "Connection: close",
            f"Content-Length: {len(body)}"]
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    raw = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
    try:
        sock = socket.create_connection((url.hostname, url.port), timeout=120)
    except OSError as e:
        return None, None, repr(e).encode()
    with sock:
        try:
            sock.sendall(raw + body)
        except OSError:
            pass  # the server stopped reading: its answer, if any, is already in our buffer
        try:
            res = http.client.HTTPResponse(sock)
            res.begin()
            return res.status, res.getheader("Content-Type", ""), res.read()
        except (OSError, http.client.HTTPException) as e:
            return None, None, repr(e).encode()


def is_json_error(content_type, body):
    if content_type.split(";", 1)[0].strip().lower() != "application/json":
        return False
    try:
        doc = json.loads(body)
    except ValueError:
        return False
    return isinstance(doc, dict) and isinstance(doc.get("error"), str) and isinstance(doc.get("message"), str)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--cookie", required=True)
    ap.add_argument("--csrf", required=True)
    ap.add_argument("--max-upload", type=int, required=True)
    ap.add_argument("--app-id", default="app_doesnotexist")
    args = ap.parse_args()

    auth = {"Cookie": args.cookie, "X-CSRF-Token": args.csrf}
    js = dict(auth, **{"Content-Type": "application/json"})
    octet = dict(auth, **{"Content-Type": "application/octet-stream"})
    big_json = b'{"name_zh":"' + b"a" * (JSON_LIMIT + 1024) + b'"}'
    big_upload = b"PK\x03\x04" + b"\0" * (args.max_upload + 1024)
    deep = b"[" * 100_000 + b"]" * 100_000

    # (name, method, path, body, headers, expected statuses, transport-level)
    probes = [
        ("login body over the JSON limit", "POST", "/api/v1/auth/login", big_json,
         {"Content-Type": "application/json"}, {413}, False),
        ("register body over the JSON limit", "POST", "/api/v1/apps", big_json, js, {413}, False),
        ("password change body over the JSON limit", "POST", "/api/v1/auth/password", big_json, js, {413}, False),
        ("authcode verify body over the JSON limit", "POST", "/api/v1/authcodes/verify", big_json,
         {"Content-Type": "application/json"}, {413}, False),
        ("package facts over the upload limit", "POST", "/api/v1/apps/from-package", big_upload, octet, {413}, False),
        ("scan upload over the upload limit", "POST", f"/api/v1/apps/{args.app_id}/scans?file_name=x.apk",
         big_upload, octet, {413, 404}, False),
        ("monitoring upload over the limit, no key", "POST", "/api/v1/monitoring/packages?channel=x&file_name=x.apk",
         big_upload, {"Content-Type": "application/octet-stream"}, {401, 413}, False),
        ("package facts of junk bytes", "POST", "/api/v1/apps/from-package", b"\x00not a zip" * 100, octet, {400}, False),
        ("JSON nested 100000 deep", "POST", "/api/v1/apps", deep, js, {400}, False),
        ("login JSON nested 100000 deep", "POST", "/api/v1/auth/login", deep,
         {"Content-Type": "application/json"}, {400}, False),
        ("truncated JSON", "POST", "/api/v1/apps", b'{"name_zh":', js, {400}, False),
        ("JSON that is not UTF-8", "POST", "/api/v1/apps", b'{"name_zh":"\xff\xfe"}', js, {400}, False),
        ("login without a body", "POST", "/api/v1/auth/login", b"", {}, {400}, False),
        ("wrong content type", "POST", "/api/v1/apps", b"{}", dict(auth, **{"Content-Type": "text/plain"}),
         {400, 415}, False),
        ("limit not a number", "GET", "/api/v1/apps?limit=abc", b"", auth, {400}, False),
        ("offset beyond i64", "GET", "/api/v1/apps?offset=99999999999999999999999", b"", auth, {400}, False),
        ("query of 60 000 characters", "GET", "/api/v1/apps?q=" + "x" * 60_000, b"", auth, {200, 400}, False),
        ("path id of 60 000 characters", "GET", "/api/v1/apps/" + "x" * 60_000, b"", auth, {400, 404}, False),
        ("percent-encoding that is not UTF-8 in the path", "GET", "/api/v1/apps/%FF%FE", b"", auth, {400, 404}, False),
        ("garbage session cookie", "GET", "/api/v1/me", b"", {"Cookie": "ms_session=" + "\u00e9".encode().decode("latin-1") * 10},
         {401}, False),
        ("unknown API path", "GET", "/api/v1/nothing-here", b"", auth, {404}, False),
        ("wrong method", "DELETE", "/api/v1/apps", b"", auth, {405}, False),
        ("request line over hyper's URI limit", "GET", "/api/v1/apps?q=" + "x" * 70_000, b"", auth, {414}, True),
    ]

    failed = 0
    for name, method, path, body, headers, expected, transport in probes:
        status, ctype, raw = send(args.base, method, path, body, headers)
        if status is not None and 200 <= status < 300 and status in expected:
            ok = True  # an accepted request is fine where the probe allows it (long search text)
        else:
            ok = status in expected and is_json_error(ctype, raw)
        label = "ok  " if ok else ("WARN" if transport else "FAIL")
        shown = raw[:160].decode("utf-8", "replace").replace("\n", " ")
        print(f"probe {label} {name}: {method} {path[:60]}{'…' if len(path) > 60 else ''} "
              f"({len(body)} bytes) -> {status} [{ctype}] {shown}")
        if not ok and not transport:
            failed += 1
    print(f"probes: {len(probes) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
