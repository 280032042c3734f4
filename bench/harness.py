"""Start servers, load them with wrk, and print what was measured.

Machines are shared and noisy, so figures are only compared within one run: every page's requests per
second are divided by those of the bare Flask endpoint (bench/reference.py) measured just before, with
the same gunicorn settings (gunicorn.conf.py) and the same wrk settings.
"""

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Where each run leaves its figures for the next run's --compare (gitignored).
RESULTS = Path(__file__).resolve().parent / "results"
PYTHON = sys.executable


@dataclass
class Result:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    status: str = ""
    #: RSS of the server's largest worker right after the load, when its pid was given.
    worker_mb: float | None = None

    def ratio_to(self, reference: "Result") -> float:
        return self.requests_per_second / reference.requests_per_second


def scratch_app(instance: str, database_url: str | None):
    """The app on a scratch instance folder (SQLite there, or `database_url`), migrated to the newest schema.

    The environment is set too, so that the gunicorn the benchmark starts next serves the same database.
    """
    os.environ["EVENTMGR_INSTANCE_PATH"] = instance
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    from flask_migrate import upgrade

    from eventmgr import create_app

    app = create_app({"MAIL_SEND_AFTER_REQUEST": False})
    with app.app_context():
        upgrade()
    return app


def add_panels(
    event,
    people: list,
    count: int,
    per_day: int,
    minutes_apart: int,
    minutes_long: int,
    roles: tuple[str, ...],
    rooms: int,
) -> None:
    """`count` panels from the event's start, `per_day` to a day, each with one person per role (the people
    taken in turn) and in one of `rooms` halls: the programme every benchmark's conference has."""
    from eventmgr.agenda import services as agenda

    for n in range(count):
        day, slot = divmod(n, per_day)
        start = event.start_at + timedelta(days=day, minutes=minutes_apart * slot)
        session = agenda.create_session(
            event,
            {
                "kind": "panel",
                "title": f"Thematic panel {n + 1}: cooperation across borders",
                "description": "Delegations compare risk analysis, data sharing and joint patrols.",
                "start_at": start,
                "end_at": start + timedelta(minutes=minutes_long),
                "room": f"Hall {n % rooms + 1}",
            },
        )
        for k, role in enumerate(roles):
            agenda.add_participant(session, people[(len(roles) * n + k) % len(people)], role)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(app_spec: str, env: dict | None = None, workers: int | None = None):
    """Serve `app_spec` (module:variable) with gunicorn.conf.py on a free port; yield its base URL and pid."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    environment = os.environ | (env or {}) | {"GUNICORN_BIND": f"127.0.0.1:{port}", "PUBLIC_URL": url}
    if workers:
        environment["GUNICORN_WORKERS"] = str(workers)
    process = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), app_spec], cwd=ROOT, env=environment
    )
    try:
        _wait_until_up(url, process)
        yield url, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_up(url: str, process, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            urllib.request.urlopen(url + "/", timeout=2)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up in {timeout} s")


def wrk(
    name: str,
    url: str,
    seconds: int = 10,
    connections: int = 16,
    threads: int = 2,
    headers: dict | None = None,
    script: Path | None = None,
    pid: int | None = None,
) -> Result:
    """Load `url` with wrk and read its requests per second and latency percentiles, and the memory of the
    largest worker of the gunicorn whose pid is given."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: `make bench` installs it (apt-get install wrk).")
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for key, value in (headers or {}).items():
        command += ["-H", f"{key}: {value}"]
    if script:
        command += ["-s", str(script)]
    # A short warm-up first: every worker compiles its templates and opens its connections before we count.
    warm_up = [c if not c.startswith("-d") else "-d2s" for c in command]
    subprocess.run(warm_up + [url], capture_output=True, text=True, check=True)
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return Result(
        name,
        float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        _latency(output, "50%"),
        _latency(output, "99%"),
        f"{errors.group(1)} errors" if errors else "",
        rss_mb(pid) if pid else None,
    )


def _latency(output: str, percentile: str) -> float:
    value, unit = re.search(rf"^\s*{re.escape(percentile)}\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def rss_mb(pid: int) -> float:
    """Resident memory of gunicorn's workers (children of `pid`), the largest one, in MB."""
    sizes = []
    for child in Path("/proc").glob("[0-9]*"):
        try:
            stat = (child / "stat").read_text().split()
            if int(stat[3]) == pid:
                sizes.append(int((child / "statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE"))
        except (OSError, IndexError, ValueError):
            continue
    return max(sizes, default=0) / 1024 / 1024


def print_table(
    title: str,
    reference: Result,
    results: list[Result],
    extra: dict[str, str] | None = None,
    uncached: dict[str, Result] | None = None,
) -> None:
    """One row per result; with `uncached` (by row name), the same page measured with the public page cache
    off beside it: what a visitor holding a cookie, or an organiser, gets."""
    print(f"\n{title}")
    side = f" {'uncached':>9} {'p99 ms':>8} {'ratio':>7}" if uncached else ""
    print(f"{'page':44} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>7}{side} {'worker MB':>10}  notes")
    for result in [reference, *results]:
        memory = f"{result.worker_mb:10.0f}" if result.worker_mb is not None else f"{'':10}"
        other = (uncached or {}).get(result.name)
        if other:
            side = f" {other.requests_per_second:9.0f} {other.p99_ms:8.1f} {other.ratio_to(reference):7.3f}"
        elif uncached:
            side = f" {'':9} {'':8} {'':7}"
        status = "; ".join(filter(None, [result.status, other.status if other else ""]))
        print(
            f"{result.name:44} {result.requests_per_second:9.0f} {result.p50_ms:8.1f} {result.p99_ms:8.1f} "
            f"{result.ratio_to(reference):7.2f}{side} {memory}  {status}"
        )
    for key, value in (extra or {}).items():
        print(f"{key}: {value}")


def figures(reference: Result, results: list[Result], uncached: dict[str, Result] | None = None) -> dict:
    """Each row's req/s and ratio to the reference (and uncached, when measured), by row name."""
    rows = {}
    for result in [reference, *results]:
        row = {
            "req_s": result.requests_per_second,
            "p99_ms": result.p99_ms,
            "ratio": result.ratio_to(reference),
        }
        if other := (uncached or {}).get(result.name):
            row |= {
                "uncached_req_s": other.requests_per_second,
                "uncached_p99_ms": other.p99_ms,
                "uncached_ratio": other.ratio_to(reference),
            }
        rows[result.name] = row
    return rows


def save_results(name: str, rows: dict, compare: bool = False) -> None:
    """Write this run's rows to bench/results/<name>.json; with `compare`, first print each row's change
    against the rows the previous run left there."""
    path = RESULTS / f"{name}.json"
    if compare:
        previous = json.loads(path.read_text())["rows"] if path.exists() else None
        if previous is None:
            print(f"\n--compare: no earlier results in {path.relative_to(ROOT)}; this run's are saved for the next")
        else:
            print_comparison(previous, rows)
    RESULTS.mkdir(exist_ok=True)
    saved = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "rows": rows}
    path.write_text(json.dumps(saved, indent=2) + "\n")
    print(f"\nresults saved to {path.relative_to(ROOT)}")


def print_comparison(previous: dict, rows: dict) -> None:
    """Each row's req/s, ratio and p99 now against the previous run's, as a percentage change."""

    def change(now: float | None, before: float | None, digits: int) -> str:
        if now is None or before is None:
            return f"{'':>25}"
        percent = f"{round((now / before - 1) * 100):+d}%".replace("-", "\u2212") if before else "n/a"
        return f"{before:>9.{digits}f} \u2192 {now:<9.{digits}f}{percent:>4}"

    print("\nChange against the previous run (before \u2192 now)")
    print(f"{'page':44} {'req/s':^25} {'ratio':^25} {'p99 ms':^25} {'uncached req/s':^25} {'uncached ratio':^25}")
    for name, row in rows.items():
        before = previous.get(name)
        if before is None:
            print(f"{name:44} (new row)")
            continue
        print(
            f"{name:44} {change(row['req_s'], before['req_s'], 0)} {change(row['ratio'], before['ratio'], 3)} "
            f"{change(row.get('p99_ms'), before.get('p99_ms'), 1)} "
            f"{change(row.get('uncached_req_s'), before.get('uncached_req_s'), 0)} "
            f"{change(row.get('uncached_ratio'), before.get('uncached_ratio'), 3)}"
        )
    for name in previous.keys() - rows.keys():
        print(f"{name:44} (gone)")
