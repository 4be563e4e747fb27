"""Starting and probing local Streamlit/nginx processes: shared by the test harness, the benchmarks and
`deploy/cluster.py`, so "is it up yet?" is answered the same way everywhere. Loopback only."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def streamlit_command(script: Path, port: int, *options: str) -> list[str]:
    """`python -m streamlit run script` on 127.0.0.1:`port`, headless, no usage statistics, plus
    `options` (`--server.x`, `value` pairs)."""
    return [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
        "--browser.gatherUsageStats", "false", *options,
    ]  # fmt: skip


def wait_healthy(url: str, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    """Poll `url` + `/_stcore/health` (Streamlit's, or nginx proxying it) until it answers 200.
    Raises RuntimeError if `proc` exits first and TimeoutError after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:  # noqa: S310 (http only)
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not become healthy within {seconds:.0f} s")


PG_BINDIR = Path("/usr/lib/postgresql/15/bin")


class Postgres:
    """A throwaway PostgreSQL server (Debian's package) in `folder`, on 127.0.0.1:`port`, trust auth,
    database `evdash`. As root it runs as the `postgres` system user (initdb refuses root): `folder`
    is then handed to that user and must be reachable by it (e.g. from `tempfile.mkdtemp()`, not under
    pytest's root-only temp folders).
    `start()` / `stop()` may be called repeatedly (an outage in a test); the data survives."""

    def __init__(self, folder: Path, port: int | None = None, bindir: Path = PG_BINDIR) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.sockets = folder / "sockets"
        self.log = folder / "postgres.log"
        self.port = port or free_port()
        self.bindir = bindir
        self._as: list[str] = []
        if os.geteuid() == 0:
            self._as = ["runuser", "-u", "postgres", "--"]

    @staticmethod
    def available(bindir: Path = PG_BINDIR) -> bool:
        return (bindir / "initdb").exists() and (bindir / "pg_ctl").exists()

    @property
    def dsn(self) -> str:
        return f"postgresql://evdash@127.0.0.1:{self.port}/evdash"

    def _run(self, *cmd: str) -> None:
        result = subprocess.run([*self._as, *cmd], capture_output=True, text=True, check=False)
        if result.returncode:
            raise RuntimeError(f"{' '.join(cmd)} failed: {result.stdout}{result.stderr}")

    def init(self) -> Postgres:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.sockets.mkdir(exist_ok=True)
        if self._as:
            shutil.chown(self.folder, "postgres")
            shutil.chown(self.sockets, "postgres")
        self._run(
            str(self.bindir / "initdb"), "-D", str(self.data), "-U", "evdash", "--auth=trust",
            "--no-sync", "--encoding=UTF8", "--locale=C",
        )  # fmt: skip
        self.start()
        self.create_database("evdash")
        return self

    def create_database(self, name: str) -> str:
        """A new empty database on this server; returns its DSN."""
        createdb = str(self.bindir / "createdb")
        self._run(createdb, "-h", "127.0.0.1", "-p", str(self.port), "-U", "evdash", name)
        return f"postgresql://evdash@127.0.0.1:{self.port}/{name}"

    def start(self) -> None:
        options = f"-k {self.sockets} -c listen_addresses=127.0.0.1 -p {self.port} -c fsync=off"
        pg_ctl = str(self.bindir / "pg_ctl")
        self._run(pg_ctl, "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """`fast`: roll back open transactions and disconnect every client, then shut down cleanly."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        result = subprocess.run(
            [*self._as, str(self.bindir / "pg_ctl"), "-D", str(self.data), "status"],
            capture_output=True, check=False,
        )  # fmt: skip
        return result.returncode == 0
