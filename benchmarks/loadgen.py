"""The two load generators ``run.py`` can use. Each runs one scenario for ``seconds`` at ``connections``
concurrent connections and returns rps, p50/p90/p99/max latency (ms), bytes per request and errors."""

import http.client
import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Protocol

HERE = Path(__file__).resolve().parent


class Scenario(Protocol):
    name: str
    paths: list[str]
    authenticated: bool
    cookie: str


def load_wrk(*, port: int, scenario: Scenario, api_key: str, seconds: float, connections: int, work: Path) -> dict:
    paths_file = work / f"{scenario.name}.paths"
    paths_file.write_text("\n".join(scenario.paths) + "\n")
    env = {
        **os.environ,
        "BENCH_PATHS_FILE": str(paths_file),
        "BENCH_API_KEY": api_key if scenario.authenticated else "",
        "BENCH_COOKIE": scenario.cookie,
    }
    # One wrk thread drives the 4 connections: wrk is event-driven, and a second thread would only take
    # CPU from the server on this 2-core machine.
    command = [
        shutil.which("wrk") or "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(HERE / "wrk.lua"),
        f"http://127.0.0.1:{port}",
    ]
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH_RESULT "))
    raw = json.loads(line.removeprefix("BENCH_RESULT "))
    seconds_run = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "rps": raw["requests"] / seconds_run,
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "bytes_per_request": raw["bytes"] / max(1, raw["requests"]),
        "errors": raw["errors"],
    }


def key_headers(api_key: str) -> dict[str, str]:
    """The key in both dialects' headers: each reads its own and ignores the other's."""
    return {"X-FreeScout-API-Key": api_key, "apikey": api_key}


def _percentile(ordered: list[float], percent: float) -> float:
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(percent / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def load_python(*, port: int, scenario: Scenario, api_key: str, seconds: float, connections: int, work: Path) -> dict:
    """Without wrk: one thread per connection. Its CPU use competes with the server, so rps are lower
    than wrk's; the ratios between scenarios stay usable."""
    headers = key_headers(api_key) if scenario.authenticated else {}
    if scenario.cookie:
        headers["Cookie"] = scenario.cookie
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    counts = {"bytes": 0, "status": 0, "read": 0}
    lock = threading.Lock()

    def worker(offset: int) -> None:
        index = offset
        mine, errors = [], {"bytes": 0, "status": 0, "read": 0}
        while time.monotonic() < deadline:
            path = scenario.paths[index % len(scenario.paths)]
            index += connections
            began = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                body = response.read()
                errors["bytes"] += len(body)
                errors["status"] += response.status != 200
            except OSError:
                errors["read"] += 1
            finally:
                connection.close()
            mine.append(time.perf_counter() - began)
        with lock:
            latencies.extend(mine)
            for key, value in errors.items():
                counts[key] += value

    began = time.monotonic()
    workers = [threading.Thread(target=worker, args=(offset,)) for offset in range(connections)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    elapsed = time.monotonic() - began
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "rps": len(ordered) / elapsed,
        "p50_ms": _percentile(ordered, 50) * 1000,
        "p90_ms": _percentile(ordered, 90) * 1000,
        "p99_ms": _percentile(ordered, 99) * 1000,
        "max_ms": (ordered[-1] if ordered else float("nan")) * 1000,
        "bytes_per_request": counts["bytes"] / max(1, len(ordered)),
        "errors": {"connect": 0, "read": counts["read"], "write": 0, "status": counts["status"], "timeout": 0},
    }
