#!/usr/bin/env python
"""In-process WSGI benchmark of sessions: kettle against Flask, on the same cookie.

Both apps share one ``SECRET_KEY``, so one Flask-format session cookie, sent with every
request, is valid for both. Three views:

- ``no-session``: the cookie is sent but the view never touches ``session``
  (what every request of a session-using site that is not about the session costs);
- ``session-read``: the view reads ``session["user_id"]`` (verify, decode);
- ``session-write``: the view also counts a visit (verify, decode, encode, sign, and a
  ``Set-Cookie`` on every response).

The timing method (interleaved rounds, calibrated batches, checked responses) is
``inprocess.py``'s, imported, not copied.

    python benchmarks/sessions.py            # ~20 s
    python benchmarks/sessions.py --quick    # ~5 s smoke run
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from itsdangerous import URLSafeTimedSerializer

sys.path.insert(0, str(Path(__file__).resolve().parent))

import inprocess

SECRET = "benchmark secret key"
DATA = {"user_id": 42, "visits": 1, "csrf_token": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"}
COOKIE = URLSafeTimedSerializer(
    SECRET, salt="cookie-session", serializer=json,
    signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
).dumps(DATA)
HEADERS = (("HTTP_COOKIE", f"session={COOKIE}"),)

SCENARIOS = {
    s.key: s
    for s in (
        inprocess.Scenario("no-session", "cookie sent, session unused `GET /plain`", "GET",
                           "/plain", text="plain", headers=HEADERS),
        inprocess.Scenario("session-read", "session read `GET /whoami`", "GET", "/whoami",
                           text="user 42", headers=HEADERS),
        inprocess.Scenario("session-write", "session read and written `GET /visit`", "GET",
                           "/visit", text="visit 2", headers=HEADERS),
    )
}


def kettle_app() -> Any:
    from kettle import Kettle, session

    app = Kettle(__name__)
    app.secret_key = SECRET

    @app.route("/plain")
    def plain() -> str:
        return "plain"

    @app.route("/whoami")
    def whoami() -> str:
        return f"user {session['user_id']}"

    @app.route("/visit")
    def visit() -> str:
        session["visits"] = session.get("visits", 0) + 1
        return f"visit {session['visits']}"

    return app


def flask_app() -> Any:
    from flask import Flask, session

    app = Flask(__name__)
    app.secret_key = SECRET

    @app.route("/plain")
    def plain() -> str:
        return "plain"

    @app.route("/whoami")
    def whoami() -> str:
        return f"user {session['user_id']}"

    @app.route("/visit")
    def visit() -> str:
        session["visits"] = session.get("visits", 0) + 1
        return f"visit {session['visits']}"

    return app


APPS: dict[str, Callable[[], Any]] = {"kettle": kettle_app, "flask": flask_app}


def check(app: Any, scenario: inprocess.Scenario) -> inprocess.Expected:
    status, headers, body = inprocess.call_once(app, scenario)
    assert status.startswith("200") and body == (scenario.text or "").encode(), (status, body)
    cookies = [v for k, v in headers if k.lower() == "set-cookie"]
    assert bool(cookies) == (scenario.key == "session-write"), (scenario.key, cookies)
    return inprocess.Expected(status, body)


def check_all() -> None:
    """Every scenario once per framework, checked (tests call this)."""
    for make in APPS.values():
        app = make()
        for scenario in SCENARIOS.values():
            check(app, scenario)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds (9)")
    parser.add_argument("--quick", action="store_true", help="a ~5 s smoke run")
    args = parser.parse_args(argv)
    rounds = args.rounds or (3 if args.quick else 9)
    batch_time = 0.02 if args.quick else 0.1
    apps = {name: make() for name, make in APPS.items()}
    runners, cells = {}, {}
    for key, scenario in SCENARIOS.items():
        for name, app in apps.items():
            runner = inprocess.make_runner(app, scenario, check(app, scenario))
            runners[(key, name)] = runner
            cells[(key, name)] = inprocess.Cell(inprocess.calibrate(runner, batch_time))
    for r in range(rounds):
        for key in SCENARIOS:
            names = list(apps)[r % 2:] + list(apps)[: r % 2]
            for name in names:
                gc.collect()
                cells[(key, name)].times.append(runners[(key, name)](cells[(key, name)].n))
    print("| Scenario | kettle req/s | Flask req/s | kettle/Flask |")
    print("| --- | ---: | ---: | ---: |")
    for key, scenario in SCENARIOS.items():
        ours, theirs = cells[(key, "kettle")].rate, cells[(key, "flask")].rate
        print(f"| {scenario.title} | {ours:,.0f} | {theirs:,.0f} | {ours / theirs:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
