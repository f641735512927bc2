"""Schemathesis hooks for MedShield (loaded through SCHEMATHESIS_HOOKS by schemathesis.sh).

`json_error_body` is the API contract's error rule (docs: notes/api.md "Errors"): every 4xx and 5xx
answer is `application/json` with a body `{"error": <code>, "message": <text>}`, whatever the
status and whether or not the OpenAPI description lists it. Schemathesis' own
content_type_conformance only looks at documented statuses, so an undocumented 405 or 413 with a
plain-text body would slip through it.
"""

import json

import schemathesis


@schemathesis.check
def json_error_body(ctx, response, case):
    if response.status_code < 400:
        return None
    content_type = ",".join(response.headers.get("content-type", []))
    if not content_type.split(";", 1)[0].strip().lower() == "application/json":
        raise AssertionError(
            f"{response.status_code} answered with Content-Type {content_type!r}, not application/json"
        )
    try:
        body = json.loads(response.content)
    except ValueError as e:
        raise AssertionError(f"{response.status_code} body is not JSON: {e}") from None
    if not (
        isinstance(body, dict)
        and isinstance(body.get("error"), str)
        and body["error"]
        and isinstance(body.get("message"), str)
    ):
        raise AssertionError(
            f'{response.status_code} body is not {{"error": code, "message": text}}: {response.content[:200]!r}'
        )
    return None
