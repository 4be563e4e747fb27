# evdash: one Streamlit process per container; run several behind nginx (deploy/nginx-evdash.conf).
#   docker build -t evdash .
#   docker run -p 8501:8501 -v evdash-data:/data evdash
# The database is built from data/seeds into the /data volume on first start (atomic, versioned);
# imports write new versions there too, so keep /data on a volume shared by all processes.
# Several machines: give every container its own /data and the same EVDASH_JOURNAL (a PostgreSQL DSN);
# deploy/docker-compose.yml and deploy/k8s/ show that shape.
# Auth: mount a secrets file at /app/.streamlit/secrets.toml and a roles file (EVDASH_ROLES); see
# docs/deployment.md. deploy/check-dockerfile.sh runs these same steps outside Docker.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    EVDASH_DB=/data/evdash.duckdb \
    STREAMLIT_SERVER_FILE_WATCHER_TYPE=none \
    STREAMLIT_CLIENT_SHOW_ERROR_DETAILS=type \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false

# Chromium and fonts: the briefing PDF (Overview button, `evdash briefing` CronJob) renders its charts
# with Kaleido driving Debian's chromium and embeds DejaVu Sans, with Noto Sans CJK and Noto Color Emoji
# as fallback fonts (Chinese, Japanese, Korean, emoji: 小米 prints); nothing is downloaded at run time.
# Not version-pinned: Debian stable only ships security updates for them.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium fonts-dejavu-core fonts-noto-cjk fonts-noto-color-emoji \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 evdash \
    && useradd --system --uid 10001 --gid evdash --home-dir /app --shell /usr/sbin/nologin evdash

WORKDIR /app

# Dependencies first (cached layer): exactly the hashed lock file.
COPY requirements.lock ./
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --require-hashes -r requirements.lock
ENV PATH=/opt/venv/bin:$PATH

COPY pyproject.toml README.md app.py asgi.py ./
COPY evdash/ evdash/
COPY pages/ pages/
COPY queries/ queries/
COPY static/ static/
COPY data/ data/
COPY .streamlit/config.toml .streamlit/config.toml
# Editable, as bootstrap.py does: the app reads queries/, static/ and data/ next to the package.
RUN pip install --no-deps --no-build-isolation -e . \
    && mkdir -p /data \
    && chown 10001:10001 /data

USER 10001:10001
VOLUME ["/data"]
EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).status == 200 else 1)"]

# `evdash serve` builds the database if the seeds changed (else re-uses it), then runs Streamlit.
CMD ["evdash", "serve", "--address", "0.0.0.0", "--port", "8501"]
