#!/usr/bin/env python3
"""Signs a MedShield account in over the HTTP API and prints the session's cookie and CSRF token.

Does what a person does at first sign-in: password, then (when the account still has its one-time
password) a password change, then (for roles that must use TOTP) enrolment of an authenticator
and its first code. Standard library only, so the API tests and the benchmark need nothing
installed to sign in.

As a command:
    signin.py --base http://127.0.0.1:PORT --user admin --password ONE-TIME-PASSWORD
prints
    COOKIE ms_session=...
    CSRF <token>
    PASSWORD <the password now in force>
    TOTP <base32 secret, or ->
As a module: `sign_in(base, user, password)` returns a `Session` whose `call()` sends the cookie
and the CSRF header.
"""

import argparse
import base64
import hashlib
import hmac
import json
import secrets
import struct
import sys
import time
import urllib.error
import urllib.request

COOKIE_NAME = "ms_session"


class ApiError(Exception):
    def __init__(self, method, path, status, body):
        super().__init__(f"{method} {path} -> {status}: {body[:500]!r}")
        self.status = status
        self.body = body


def totp_code(secret_b32, step):
    """RFC 6238 with RFC 4226's truncation: HMAC-SHA-1, 6 digits, 30-second steps."""
    padded = secret_b32.upper() + "=" * (-len(secret_b32) % 8)
    key = base64.b32decode(padded)
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def new_password():
    # 24 random URL-safe characters plus one of each class: always passes the policy (length,
    # three of four classes, not common, no user name in it).
    return "Ms" + secrets.token_urlsafe(18) + "7q!"


class Session:
    def __init__(self, base):
        self.base = base.rstrip("/")
        self.cookie = None
        self.csrf = None
        self.info = None
        self.password = None
        self.totp_secret = None
        # Steps already spent: the server accepts each step once.
        self.used_step = 0

    def call(self, method, path, body=None, timeout=60):
        """One request; returns (status, parsed JSON or raw bytes). Raises ApiError on >= 400."""
        data = None
        headers = {"Accept": "application/json"}
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.cookie:
            headers["Cookie"] = f"{COOKIE_NAME}={self.cookie}"
        if self.csrf and method not in ("GET", "HEAD"):
            headers["X-CSRF-Token"] = self.csrf
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as res:
                raw = res.read()
                self._take_cookie(res.headers)
                status = res.status
        except urllib.error.HTTPError as e:
            raise ApiError(method, path, e.code, e.read().decode("utf-8", "replace")) from None
        if raw and res.headers.get("Content-Type", "").startswith("application/json"):
            return status, json.loads(raw)
        return status, raw

    def _take_cookie(self, headers):
        for value in headers.get_all("Set-Cookie") or []:
            first = value.split(";", 1)[0]
            name, _, token = first.partition("=")
            if name.strip() == COOKIE_NAME and token:
                self.cookie = token.strip()

    def _take_info(self, info):
        self.info = info
        self.csrf = info["csrf_token"]

    def _fresh_step(self):
        """The current 30 s step, waiting for the next one if this one was already spent."""
        while True:
            step = int(time.time()) // 30
            if step > self.used_step:
                self.used_step = step
                return step
            time.sleep(31 - time.time() % 30)


def sign_in(base, user, password, totp_secret=None):
    s = Session(base)
    s.password = password
    s.totp_secret = totp_secret
    _, info = s.call("POST", "/api/v1/auth/login", {"username": user, "password": password})
    s._take_info(info)
    if info["stage"] == "totp":
        if not totp_secret:
            raise SystemExit(f"{user}: TOTP is enrolled; pass --totp-secret")
        _, info = s.call("POST", "/api/v1/auth/totp", {"code": totp_code(totp_secret, s._fresh_step())})
        s._take_info(info)
    if info["user"]["must_change_password"]:
        fresh = new_password()
        _, info = s.call("POST", "/api/v1/auth/password", {"current": password, "new": fresh})
        s._take_info(info)
        s.password = fresh
    if info["stage"] == "enroll_totp":
        _, enrolment = s.call("POST", "/api/v1/auth/totp/enroll")
        s.totp_secret = enrolment["secret"]
        _, info = s.call("POST", "/api/v1/auth/totp/confirm",
                         {"code": totp_code(s.totp_secret, s._fresh_step())})
        s._take_info(info)
    if info["stage"] != "full":
        raise SystemExit(f"{user}: sign-in ended at stage {info['stage']!r}")
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", required=True, help="http://127.0.0.1:PORT")
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--totp-secret", help="base32 secret of an account that already enrolled TOTP")
    args = ap.parse_args()
    try:
        s = sign_in(args.base, args.user, args.password, args.totp_secret)
    except ApiError as e:
        print(f"signin.py: {e}", file=sys.stderr)
        return 1
    # Check that the session really works on a route that needs a full sign-in.
    _, me = s.call("GET", "/api/v1/me")
    if me["stage"] != "full" or me["user"]["username"] != args.user:
        print(f"signin.py: /api/v1/me says {me!r}", file=sys.stderr)
        return 1
    print(f"COOKIE {COOKIE_NAME}={s.cookie}")
    print(f"CSRF {s.csrf}")
    print(f"PASSWORD {s.password}")
    print(f"TOTP {s.totp_secret or '-'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
