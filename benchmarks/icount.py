"""Instructions per request of one (door, framework, scenario), counted by callgrind.

Wall-clock timings move with whatever else the machine runs; instruction counts do not, so
an A/B of a change to the request path can be read on a busy machine. Two runs of the same
process under ``valgrind --tool=callgrind`` (300 warm-up requests, then 0 or N measured
ones) differ only by the N requests: the difference over N is the cost of one request.

    python benchmarks/icount.py wsgi kettle post-json   # "wsgi kettle post-json: 66791 Ir/request"
    python benchmarks/icount.py asgi blacksheep plaintext -n 4000
    PYTHONPATH=../other/src python benchmarks/icount.py wsgi kettle json   # another kettle

Frameworks and scenarios are those of ``inprocess.py`` (``wsgi``) and ``asgi_inprocess.py``
(``asgi``). Needs ``valgrind`` (Debian: ``apt-get install valgrind``); ~30-60 s a call.
Instructions are not time (a C call or a cache miss weighs more than its count), so quote
timed ratios from the benchmarks themselves, and use this to see which way a change moves.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WARMUP = 300


def serve(door: str, framework: str, key: str, requests: int) -> None:
    """Answer ``WARMUP`` then ``requests`` requests of the scenario, as the benchmarks do."""
    sys.path.insert(0, str(HERE))
    import inprocess

    scenario = inprocess.SCENARIOS[key]
    if door == "wsgi":
        app = inprocess.get_app(framework, scenario)
        template = inprocess.make_environ(scenario)
        body = scenario.body or b""

        def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
            return None

        for _ in range(WARMUP + requests):
            environ = template.copy()
            environ["wsgi.input"] = io.BytesIO(body)
            result = app(environ, start_response)
            for _chunk in result:
                pass
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return
    import asgi_inprocess

    with asgi_inprocess.Harness() as harness:
        asgi_app, lifespan = harness.app(framework, scenario)
        expected = asgi_inprocess.validate(harness, framework, scenario)
        runner = asgi_inprocess.make_runner(harness, asgi_app, lifespan, scenario, expected)
        runner(WARMUP)
        if requests:
            runner(requests)
    asyncio.set_event_loop(None)


def instructions(door: str, framework: str, key: str, requests: int) -> int:
    """The instructions callgrind counts for a whole process serving ``requests``."""
    command = [
        "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
        sys.executable, __file__, "--serve", door, framework, key, "-n", str(requests),
    ]
    # A random hash seed moves a figure by up to ~1k Ir; a fixed one makes A/B runs comparable.
    env = {**os.environ, "PYTHONHASHSEED": os.environ.get("PYTHONHASHSEED", "0")}
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"callgrind run failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("door", choices=["wsgi", "asgi"])
    parser.add_argument("framework")
    parser.add_argument("scenario")
    parser.add_argument("-n", "--requests", type=int, default=2000, help="measured requests")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.door, args.framework, args.scenario, args.requests)
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    base = instructions(args.door, args.framework, args.scenario, 0)
    total = instructions(args.door, args.framework, args.scenario, args.requests)
    per_request = (total - base) // args.requests
    print(f"{args.door} {args.framework} {args.scenario}: {per_request} Ir/request")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
