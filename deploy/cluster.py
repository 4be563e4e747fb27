"""Run evdash as several Streamlit processes behind one nginx, on this machine, without root.

    .venv/bin/python deploy/cluster.py --processes 2 --port 8080            # http://127.0.0.1:8080
    .venv/bin/python deploy/cluster.py --processes 3 --first-port 8601 --port 8600

It renders deploy/nginx-evdash.conf (the production site config) with the chosen backends and port
into a self-contained nginx.conf under a scratch prefix (pid, logs, temp files there), starts the
Streamlit processes read-only on the same database and nginx in the foreground, and stops them all
on Ctrl-C. The nginx browser test (tests/browser/test_nginx.py) uses the same rendering.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from evdash import serving

DEPLOY = Path(__file__).resolve().parent
REPO = DEPLOY.parent
SITE_CONF = DEPLOY / "nginx-evdash.conf"
_UPSTREAM_SERVER = re.compile(r"^(\s*)server 127\.0\.0\.1:\d+ (max_fails=.*;)$", re.MULTILINE)


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def render_site(backends: list[str], listen: str, access_log: Path, site: str | None = None) -> str:
    """The production site config with its upstream `server` lines replaced by `backends`
    (host:port each), its `listen` by `listen` and its access log moved to `access_log`."""
    text = site if site is not None else SITE_CONF.read_text()
    matches = list(_UPSTREAM_SERVER.finditer(text))
    if not matches or not backends:
        raise ValueError("site config has no `server 127.0.0.1:PORT max_fails=...;` lines to replace")
    indent, tail = matches[0].group(1), matches[0].group(2)
    lines = "\n".join(f"{indent}server {b} {tail}" for b in backends)
    text = text[: matches[0].start()] + lines + text[matches[-1].end() :]
    text, n_listen = re.subn(r"^(\s*)listen \S+;", rf"\g<1>listen {listen};", text, flags=re.MULTILINE)
    text, n_log = re.subn(r"access_log /var/log/nginx/evdash\.access\.log", f"access_log {access_log}", text)
    if n_listen != 1 or n_log != 1:
        raise ValueError("site config must have exactly one `listen` and one evdash access_log line")
    return text


COMPOSE_SITE = DEPLOY / "compose" / "nginx-site.conf"
COMPOSE_BACKENDS = ["app-a:8501", "app-b:8501"]


def compose_site() -> str:
    """deploy/compose/nginx-site.conf as it must be: the production site config for the two app
    services of deploy/docker-compose.yml."""
    header = (
        "# GENERATED from deploy/nginx-evdash.conf by deploy/cluster.py for deploy/docker-compose.yml;\n"
        "# tests/test_deploy_k8s.py keeps it equal. Edit the source, then re-render:\n"
        "#   .venv/bin/python deploy/cluster.py --render-compose\n"
    )
    return header + render_site(COMPOSE_BACKENDS, "8080", Path("/var/log/nginx/evdash.access.log"))


def render_main(site: str, prefix: Path) -> str:
    """A complete nginx.conf that keeps everything (pid, logs, temp files) under `prefix`."""
    tmp = prefix / "tmp"
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / sub).mkdir(parents=True, exist_ok=True)
    user = "user root root;\n" if os.geteuid() == 0 else ""  # workers must reach the private prefix
    return f"""{user}daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 512; }}
http {{
    default_type application/octet-stream;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
{site}
}}
"""


def write_config(prefix: Path, backends: list[str], port: int) -> Path:
    prefix.mkdir(parents=True, exist_ok=True)
    site = render_site(backends, f"127.0.0.1:{port}", prefix / "access.log")
    conf = prefix / "nginx.conf"
    conf.write_text(render_main(site, prefix))
    return conf


def start_nginx(conf: Path, prefix: Path) -> subprocess.Popen[bytes]:
    binary = nginx_binary()
    if binary is None:
        raise FileNotFoundError("nginx not found: apt-get install -y nginx")
    check = subprocess.run(
        [binary, "-t", "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf)],
        capture_output=True,
        text=True,
        check=False,
    )
    if check.returncode:
        raise RuntimeError(f"nginx -t failed:\n{check.stderr}")
    log = (prefix / "nginx.out").open("wb")
    return subprocess.Popen(
        [binary, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )


wait_healthy = serving.wait_healthy


def start_streamlit(port: int, log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    cmd = serving.streamlit_command(REPO / "asgi.py", port, "--server.fileWatcherType", "none")
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--processes", type=int, default=2, help="Streamlit processes (default 2)")
    parser.add_argument("--first-port", type=int, default=8501, help="port of the first process")
    parser.add_argument("--port", type=int, default=8080, help="nginx port on 127.0.0.1")
    parser.add_argument("--prefix", type=Path, default=None, help="scratch folder (default: a temp dir)")
    parser.add_argument("--render-compose", action="store_true", help=f"write {COMPOSE_SITE.name} and exit")
    args = parser.parse_args(argv)
    if args.render_compose:
        COMPOSE_SITE.write_text(compose_site())
        print(f"wrote {COMPOSE_SITE}")
        return 0
    prefix = args.prefix or Path(tempfile.mkdtemp(prefix="evdash-nginx-"))
    prefix.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    # Build once, before the readers start: every process then opens the same version read-only.
    from evdash import build

    print(f"serving database version {build.build().version}")
    ports = [args.first_port + i for i in range(args.processes)]
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for port in ports:
            procs.append(start_streamlit(port, prefix / f"streamlit-{port}.log", env))
        for port, proc in zip(ports, procs, strict=True):
            wait_healthy(f"http://127.0.0.1:{port}", proc)
        conf = write_config(prefix, [f"127.0.0.1:{p}" for p in ports], args.port)
        nginx = start_nginx(conf, prefix)
        procs.append(nginx)
        wait_healthy(f"http://127.0.0.1:{args.port}", nginx)
        print(f"evdash on http://127.0.0.1:{args.port} via nginx → {len(ports)} processes {ports}")
        print(f"logs and config in {prefix}; Ctrl-C stops everything", flush=True)
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        while all(proc.poll() is None for proc in procs[-1:]):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        for proc in reversed(procs):
            stop(proc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
