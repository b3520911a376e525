"""Prefect end to end: a real ``prefect server start``, ``prefect deploy --all`` with the shipped
prefect.yaml, a night run against it, and the CLI commands an operator reads it with.

The pinned FastAPI matters: from FastAPI 0.151 on, Prefect 3.8's server answers every request
whose body holds ``"limit": null`` (``deployment ls``, ``flow-run ls``, ``artifact ls``,
``automation ls``, ``block ls``, the check for online workers of ``prefect deploy``) with HTTP
422 ``'loc': ['body', 'limit'], 'msg': 'Input should be a valid integer'``.
"""

from __future__ import annotations

import http.server
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from helpers import TEST_KEY, make_row, write_csv

REPOSITORY = Path(__file__).resolve().parents[2]
NIGHT = "2026-10-01"

#: What an operator asks the server, through Prefect's command line.
OPERATOR = (
    ["deployment", "ls"],
    ["work-pool", "ls"],
    ["flow-run", "ls"],
    ["artifact", "ls"],
    ["artifact", "inspect", f"nightly-report-{NIGHT}"],
    ["automation", "ls"],
    ["block", "ls"],
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def prefect_server(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A real Prefect server on a free port, its database in a temporary PREFECT_HOME; the
    environment that points the command line at it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.update(
        PREFECT_HOME=str(tmp_path / "prefect"),
        DO_NOT_TRACK="1",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_UI_ENABLED="false",  # the API is what the commands use; the UI's files are not built
        PREFECT_LOGGING_LEVEL="WARNING",
    )
    port = free_port()
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 300  # about 10 s on a quiet machine; minutes on a loaded one
        while time.monotonic() < deadline and server.poll() is None:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            pytest.fail(
                f"prefect server start did not answer: {(tmp_path / 'server.log').read_text()[-2000:]}"
            )
        yield {**env, "PREFECT_API_URL": url}
    finally:
        stop(server)
        log.close()


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ask a server or worker process to end; kill it if it has not within 20 s."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def refused(output: str) -> bool:
    """Whether the server refused a request (its 422 reaches the command's output)."""
    return "Unprocessable" in output or "valid integer" in output


def command(env: dict[str, str], *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.slow
def test_deploy_a_night_and_the_operators_commands_against_a_real_server(
    tmp_path: Path, prefect_server: dict[str, str]
) -> None:
    env = {**prefect_server, "CLAIMSCREEN_SECRET_KEY": TEST_KEY}
    home, inbox = tmp_path / "home", tmp_path / "inbox"
    inbox.mkdir()
    env.update(CLAIMSCREEN_HOME=str(home), CLAIMSCREEN_INBOX=str(inbox))

    made = command(env, "-m", "prefect", "work-pool", "create", "claimscreen", "--type", "process")
    assert made.returncode == 0, made.stdout + made.stderr
    deployed = command(env, "-m", "prefect", "--no-prompt", "deploy", "--all", cwd=REPOSITORY)
    assert deployed.returncode == 0, deployed.stdout[-3000:] + deployed.stderr[-3000:]
    assert not refused(deployed.stdout + deployed.stderr)

    batch = write_csv(inbox / f"claims_{NIGHT}.csv", [make_row(claim_id=f"C{i}") for i in range(3)])
    # INFO: the run logger's lines reach the server (the tests' environment keeps Prefect at WARNING)
    night = command(
        {**env, "PREFECT_LOGGING_LEVEL": "INFO"}, "-m", "claimscreen", "nightly", "--batch", str(batch)
    )
    assert night.returncode == 0, night.stderr

    runs = httpx.post(f"{env['PREFECT_API_URL']}/flow_runs/filter", json={}, timeout=30).json()
    said: dict[str, tuple[int, str]] = {}
    for args in [*OPERATOR, ["flow-run", "logs", runs[0]["id"]]]:
        done = command({**env, "COLUMNS": "250"}, "-m", "prefect", *args)
        said[" ".join(args[:2])] = (done.returncode, done.stdout + done.stderr)
    for name, (code, output) in said.items():
        assert code == 0 and not refused(output), (name, output)
    assert "claimscreen-nightly-from-inbox/nightly" in said["deployment ls"][1]
    assert "claimscreen" in said["work-pool ls"][1]
    assert "claimscreen-nightly" in said["flow-run ls"][1]
    assert f"nightly-report-{NIGHT}" in said["artifact ls"][1]
    assert "rows read" in said["artifact inspect"][1]
    logs = said["flow-run logs"][1]
    assert "stage ingest completed in" in logs and f"night {NIGHT} completed: 3 rows read" in logs


class _Hook(http.server.ThreadingHTTPServer):
    """A local webhook receiver, the operator's chat or mail gateway: keeps each POST's body."""

    def __init__(self) -> None:
        self.bodies: list[str] = []
        hook = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                hook.bodies.append(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


def _wait_for_run(url: str, deployment: str, done: set[str], seconds: float = 240) -> dict[str, object]:
    """The newest flow run of ``deployment`` once its state is one of ``done``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = httpx.post(
            f"{url}/flow_runs/filter",
            json={"deployments": {"name": {"any_": [deployment]}}, "sort": "EXPECTED_START_TIME_DESC"},
            timeout=30,
        ).json()
        if found and found[0]["state_type"] in done:
            return dict(found[0])
        time.sleep(1)
    pytest.fail(f"no run of {deployment} reached {sorted(done)} in {seconds:.0f} s")


@pytest.mark.slow
def test_a_worker_runs_the_scheduled_night_and_a_failed_night_alerts_the_operator(
    tmp_path: Path, prefect_server: dict[str, str]
) -> None:
    """What state IT sets up: claimscreen deploy with a notification block, a process worker, a
    night run from the deployment to Completed, then a broken extract: the run fails and the
    automation posts to the operator's webhook, naming the night and no claim data."""
    hook = _Hook()
    ssn = "123-45-6789"
    home, inbox = tmp_path / "home", tmp_path / "inbox"
    inbox.mkdir()
    env = {
        **prefect_server,
        "CLAIMSCREEN_SECRET_KEY": TEST_KEY,
        "CLAIMSCREEN_HOME": str(home),
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "PREFECT_WORKER_PREFETCH_SECONDS": "1",
    }
    block = (
        "from prefect.blocks.notifications import CustomWebhookNotificationBlock as B; "
        f"B(name='state-it', url='http://127.0.0.1:{hook.server_address[1]}/alert', "
        "json_data={'subject': '{{subject}}', 'body': '{{body}}'}, allow_private_urls=True)"
        ".save('state-it', overwrite=True)"
    )
    made = command(env, "-c", block)
    assert made.returncode == 0, made.stderr
    deployed = command(
        env, "-m", "claimscreen", "deploy", "--inbox", str(inbox), "--notify-block", "custom-webhook/state-it"
    )
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "prefect", "worker", "start", "--pool", "claimscreen", "--type", "process"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    nightly = "nightly"
    try:
        write_csv(inbox / "claims_2026-10-01.csv", [make_row(claim_id=f"C{i}", ssn=ssn) for i in range(3)])
        started = command(
            env, "-m", "prefect", "deployment", "run", f"claimscreen-nightly-from-inbox/{nightly}"
        )
        assert started.returncode == 0, started.stdout + started.stderr
        first = _wait_for_run(env["PREFECT_API_URL"], nightly, {"COMPLETED", "FAILED", "CRASHED"})
        assert first["state_type"] == "COMPLETED", (tmp_path / "worker.log").read_text()[-3000:]
        assert (home / "runs" / "2026-10-01.json").exists()

        # The next extract arrives without its claim_id column: the night cannot be read.
        row = make_row(claim_id="B1", ssn=ssn)
        write_csv(inbox / "claims_2026-10-02.csv", [row], columns=[c for c in row if c != "claim_id"])
        started = command(
            env, "-m", "prefect", "deployment", "run", f"claimscreen-nightly-from-inbox/{nightly}"
        )
        assert started.returncode == 0, started.stdout + started.stderr
        failed = _wait_for_run(env["PREFECT_API_URL"], nightly, {"FAILED", "CRASHED"})
        assert failed["id"] != first["id"]
        deadline = time.monotonic() + 120
        while not hook.bodies and time.monotonic() < deadline:
            time.sleep(1)
    finally:
        stop(worker)
        log.close()
        hook.shutdown()
    assert hook.bodies, "the automation never posted to the webhook"
    alert = hook.bodies[0]
    assert "claimscreen" in alert and "Failed" in alert and "2026-10-02" in alert
    assert ssn not in alert and ssn.replace("-", "") not in alert and "B1" not in alert
