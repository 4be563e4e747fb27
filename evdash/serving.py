"""Starting and probing local Streamlit/nginx processes: shared by the test harness, the benchmarks and
`deploy/cluster.py`, so "is it up yet?" is answered the same way everywhere. Loopback only."""

from __future__ import annotations

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
