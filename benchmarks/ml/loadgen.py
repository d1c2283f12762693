"""Closed-loop load over loopback: ``c`` keep-alive connections, each sending its next
request as soon as the previous answer arrives, for a bounded time.

Every answer is checked against the label the same model gives locally for that row,
so a batcher that mixes up callers shows as wrong answers, not as speed.

    python loadgen.py --port 8000 --model forest --concurrency 1,8,32,64 --seconds 4
prints one JSON line per level: requests/s, p50/p99 latency (ms), wrong answers, errors.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import time
from pathlib import Path
from typing import Any

from models import load, read_stats
from sklearn.datasets import load_digits


def requests_and_labels(
    model: str, port: int, paths: list[str]
) -> tuple[list[list[bytes]], list[int]]:
    """For each path, one ready-made request per digit row; and each row's expected label."""
    digits = load_digits()
    _, predict = load(model)
    labels = predict(digits.data)
    bodies = [json.dumps({"row": row.tolist()}).encode() for row in digits.data]
    head = (
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        "Content-Length: {length}\r\n\r\n"
    )
    return [
        [head.format(path=path, port=port, length=len(b)).encode() + b for b in bodies]
        for path in paths
    ], labels


async def connection(
    index: int, port: int, requests: list[list[bytes]], labels: list[int],
    start_measuring: float, stop: float, latencies: list[list[float]], counts: dict[str, int],
) -> None:
    """One client: request after request; with several paths, they take turns."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    n = len(labels)
    paths = len(requests)
    k = index * 7919
    try:
        while True:
            now = time.perf_counter()
            if now >= stop:
                return
            row = k % n
            path = k % paths
            k += 1
            writer.write(requests[path][row])
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            status = int(head[9:12])
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            body = await reader.readexactly(length)
            done = time.perf_counter()
            if now < start_measuring:
                continue
            latencies[path].append(done - now)
            if status != 200:
                counts["errors"] += 1
            elif json.loads(body)["label"] != labels[row]:
                counts["wrong"] += 1
    finally:
        writer.close()


TICKS = os.sysconf("SC_CLK_TCK")


def session_cpu(session: int | None) -> float:
    """CPU seconds used so far by every process of the server's session (its workers too)."""
    if session is None:
        return 0.0
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session:
            total += int(fields[11]) + int(fields[12])
    return total / TICKS


async def cell(
    port: int, requests: list[list[bytes]], labels: list[int], concurrency: int, warmup: float,
    seconds: float, stats: str | None, server: int | None,
) -> dict[str, Any]:
    """One measurement: ``concurrency`` connections, ``warmup`` then ``seconds`` measured."""
    latencies: list[list[float]] = [[] for _ in requests]
    counts = {"wrong": 0, "errors": 0}
    begin = time.perf_counter()
    start_measuring = begin + warmup
    stop = start_measuring + seconds

    async def batch_counts() -> tuple[tuple[int, int, float], tuple[int, int, float]]:
        await asyncio.sleep(warmup)
        first = (*(read_stats(stats) if stats else (0, 0)), session_cpu(server))
        await asyncio.sleep(seconds)
        return first, (*(read_stats(stats) if stats else (0, 0)), session_cpu(server))

    counter = asyncio.ensure_future(batch_counts())
    await asyncio.gather(*(
        connection(i, port, requests, labels, start_measuring, stop, latencies, counts)
        for i in range(concurrency)
    ))
    (b0, r0, cpu0), (b1, r1, cpu1) = await counter
    everything = sorted(t for per_path in latencies for t in per_path)
    n = len(everything)
    result = {
        "concurrency": concurrency, "requests": n, "rps": round(n / seconds, 1),
        "p50_ms": percentile(everything, 0.50), "p99_ms": percentile(everything, 0.99),
        "mean_batch": round((r1 - r0) / (b1 - b0), 2) if b1 > b0 else None,
        "server_cpu_us": round((cpu1 - cpu0) / n * 1e6) if n and server else None, **counts,
    }
    if len(latencies) > 1:
        result["by_path"] = [
            {"requests": len(t), "p50_ms": percentile(sorted(t), 0.5),
             "p99_ms": percentile(sorted(t), 0.99)}
            for t in latencies
        ]
    return result


def percentile(ordered: list[float], p: float) -> float:
    if not ordered:
        return float("nan")
    return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 3)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--model", default="forest")
    parser.add_argument("--concurrency", default="1,8,32,64", help="comma-separated levels")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--stats", help="the server's BENCH_STATS file (mean batch size)")
    parser.add_argument("--paths", default="/predict", help="comma-separated; they alternate")
    parser.add_argument("--server-session", type=int, help="session id of the server's processes")
    args = parser.parse_args()
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
    requests, labels = requests_and_labels(args.model, args.port, args.paths.split(","))
    for level in (int(c) for c in args.concurrency.split(",")):
        result = asyncio.run(
            cell(
                args.port, requests, labels, level, args.warmup, args.seconds, args.stats,
                args.server_session,
            )
        )
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
