"""One-command setup for evdash, using only the Python standard library.

    python3 bootstrap.py run     # isolated env from the lock, build the database, serve on :8501
    python3 bootstrap.py test    # isolated env from the dev lock, then lint, types and every test
    python3 bootstrap.py lock    # maintainers: regenerate both hashed lock files from pyproject.toml

The environment lives in `.venv/` (override with EVDASH_VENV). Packages come from the hashed lock
files `requirements.lock` / `requirements-dev.lock`, installed with uv (itself pinned below).
A second run reuses the environment and only re-syncs it, which takes a second or two.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
UV_VERSION = "0.13.8"


def _venv_dir() -> Path:
    return Path(os.environ.get("EVDASH_VENV", ROOT / ".venv")).resolve()


def _bin(name: str) -> Path:
    return _venv_dir() / ("Scripts" if os.name == "nt" else "bin") / name


def _run(cmd: list[str | Path], **kwargs: object) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, **kwargs)  # type: ignore[call-overload]


def ensure_env(dev: bool) -> None:
    """Create the venv if needed and make it match the lock file exactly."""
    if not _bin("python").exists():
        if sys.version_info < (3, 11):  # noqa: UP036 - bootstrap may run on any python3
            sys.exit(f"evdash needs Python 3.11 or newer; this is {sys.version.split()[0]}")
        print(f"creating virtual environment in {_venv_dir()}", flush=True)
        venv.EnvBuilder(with_pip=True).create(_venv_dir())
    if not _bin("uv").exists():
        _run([_bin("python"), "-m", "pip", "install", "--quiet", f"uv=={UV_VERSION}"])
    lock = ROOT / ("requirements-dev.lock" if dev else "requirements.lock")
    env = {**os.environ, "VIRTUAL_ENV": str(_venv_dir()), "UV_PYTHON_DOWNLOADS": "never"}
    _run([_bin("uv"), "pip", "sync", "--quiet", "--require-hashes", lock], env=env)
    _run([_bin("uv"), "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "-e", "."], env=env)


def lock() -> None:
    """Regenerate requirements.lock (runtime) and requirements-dev.lock (with the dev extra) from
    pyproject.toml: hashed, universal (every Python the project supports), plus the build backend that
    the editable install of evdash needs without build isolation."""
    ensure_env(dev=True)
    backend = ROOT / "hatchling (build backend)"  # its name is what the lock files say it came from
    backend.write_text("hatchling>=1.27,<2\n")
    try:
        outputs: tuple[tuple[str, list[str | Path]], ...] = (
            ("requirements.lock", []),
            ("requirements-dev.lock", ["--extra", "dev"]),
        )
        for out, extra in outputs:
            compile_: list[str | Path] = [_bin("uv"), "pip", "compile", "pyproject.toml", backend.name]
            _run([*compile_, *extra, "--universal", "--generate-hashes", "--no-header", "--quiet", "-o", out])
    finally:
        backend.unlink()


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in {"run", "test", "lock"}:
        print(__doc__)
        return 2
    if argv[0] == "lock":
        lock()
        return 0
    if argv[0] == "run":
        ensure_env(dev=False)
        os.execv(_bin("evdash"), [str(_bin("evdash")), "serve"])
    ensure_env(dev=True)
    steps: list[list[str | Path]] = [
        [_bin("ruff"), "check", "."],
        [_bin("ruff"), "format", "--check", "."],
        [_bin("mypy")],
        [_bin("lint-imports")],  # layer contracts in pyproject.toml [tool.importlinter]
        [_bin("python"), "-m", "pytest", "-n", "2", "--dist", "loadgroup"],
    ]
    for step in steps:
        result = subprocess.run([str(c) for c in step], cwd=ROOT)
        if result.returncode != 0:
            print(f"FAILED: {' '.join(str(c) for c in step)} (exit {result.returncode})", flush=True)
            return result.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
