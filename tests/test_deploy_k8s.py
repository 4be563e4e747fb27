"""The Kubernetes manifests (deploy/k8s/) validate against the Kubernetes 1.37 schemas offline
(kubernetes-validate, strict: unknown fields are errors) and have the shape a shared service needs;
the docker-compose file (deploy/docker-compose.yml) has the same shape. Neither is applied here: there
is no cluster and no Docker on these machines (docs/deployment.md says what was and was not run)."""

from __future__ import annotations

import copy
import importlib.util
import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
K8S = REPO / "deploy" / "k8s"
KUBERNETES = "1.37.0"


def documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def manifests() -> dict[tuple[str, str], dict[str, Any]]:
    """(kind, name) -> manifest, for every Kubernetes object under deploy/k8s/ (not the kustomization)."""
    found = {}
    for path in sorted(K8S.glob("*.yaml")):
        for doc in documents(path):
            if doc["kind"] != "Kustomization":
                found[(doc["kind"], doc["metadata"]["name"])] = doc
    return found


@pytest.mark.parametrize("key", sorted(manifests()), ids=lambda k: f"{k[0]}/{k[1]}")
def test_every_manifest_validates_strictly(key: tuple[str, str]) -> None:
    kubernetes_validate.validate(manifests()[key], KUBERNETES, strict=True)


def test_the_validator_does_reject_a_broken_manifest() -> None:
    broken = copy.deepcopy(manifests()[("Deployment", "evdash")])
    broken["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["pth"] = "/x"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES, strict=True)


def test_kustomization_lists_every_deployable_file_and_no_secrets() -> None:
    kustomization = documents(K8S / "kustomization.yaml")[0]
    resources = set(kustomization["resources"])
    assert resources == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", "secrets.example.yaml"}
    assert all(doc["kind"] != "Secret" for name in resources for doc in documents(K8S / name))


def container(kind: str, name: str) -> dict[str, Any]:
    spec = manifests()[(kind, name)]["spec"]
    pod = spec["jobTemplate"]["spec"]["template"]["spec"] if kind == "CronJob" else spec["template"]["spec"]
    assert len(pod["containers"]) == 1
    return dict(pod["containers"][0])


def env(c: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in c["env"]}


def assert_verify_then_health(command: str) -> None:
    """A health command runs `evdash verify` first (a damaged version or journal file fails it), then
    asks Streamlit's health endpoint; and `evdash verify` is a real subcommand that says what it checks."""
    assert command.startswith("evdash verify ") and "&&" in command
    assert "http://127.0.0.1:8501/_stcore/health" in command.split("&&", 1)[1]
    from evdash import cli

    with pytest.raises(SystemExit) as shown:
        cli.main(["verify", "--help"])
    assert shown.value.code == 0


def test_app_replicas_probe_health_read_the_journal_from_a_secret_and_keep_their_own_database() -> None:
    deployment = manifests()[("Deployment", "evdash")]
    assert deployment["spec"]["replicas"] >= 2
    app = container("Deployment", "evdash")
    for probe in ("startupProbe", "livenessProbe"):
        assert app[probe]["httpGet"] == {"path": "/_stcore/health", "port": "http"}
    # Ready only while the data proves itself (evdash verify) and the server answers.
    assert app["readinessProbe"]["exec"]["command"][:2] == ["sh", "-c"]
    assert_verify_then_health(app["readinessProbe"]["exec"]["command"][2])
    variables = env(app)
    assert variables["EVDASH_JOURNAL"] == {"secretKeyRef": {"name": "evdash-journal", "key": "dsn"}}
    assert variables["EVDASH_DB"].startswith("/data/")
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    assert "emptyDir" in volumes["data"]  # each replica its own local database, never shared
    mounts = {m["mountPath"]: m for m in app["volumeMounts"]}
    assert mounts["/app/.streamlit/secrets.toml"]["name"] == "auth" and volumes["auth"]["secret"]
    for c in (app, container("CronJob", "evdash-briefing")):  # no secret value written into a manifest
        assert all("value" not in e or "PASSWORD" not in e["name"] for e in c["env"])
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] == 10001
    assert manifests()[("PodDisruptionBudget", "evdash")]["spec"]["minAvailable"] >= 1


def test_service_and_ingress_route_with_cookie_affinity_and_websocket_timeouts() -> None:
    service = manifests()[("Service", "evdash")]
    assert (
        service["spec"]["selector"]
        == manifests()[("Deployment", "evdash")]["spec"]["selector"]["matchLabels"]
    )
    ingress = manifests()[("Ingress", "evdash")]
    notes = ingress["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert int(notes["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    assert int(notes["nginx.ingress.kubernetes.io/proxy-send-timeout"]) >= 3600
    upload_mb = int(notes["nginx.ingress.kubernetes.io/proxy-body-size"].removesuffix("m"))
    streamlit = (REPO / ".streamlit" / "config.toml").read_text()
    assert f"maxUploadSize = {upload_mb}" in streamlit
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "evdash", "port": {"name": "http"}}


def test_the_briefing_runs_weekly_on_the_shared_journal() -> None:
    cronjob = manifests()[("CronJob", "evdash-briefing")]
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    job = container("CronJob", "evdash-briefing")
    script = " ".join(job["args"])
    assert "evdash build" in script and "evdash briefing" in script and "--email" in script
    assert env(job)["EVDASH_JOURNAL"] == env(container("Deployment", "evdash"))["EVDASH_JOURNAL"]
    assert job["image"] == container("Deployment", "evdash")["image"]


def _cluster() -> Any:
    spec = importlib.util.spec_from_file_location("evdash_deploy_cluster_k", REPO / "deploy" / "cluster.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_compose_has_the_same_shape_two_servers_own_volumes_one_journal_nginx_in_front() -> None:
    compose = yaml.safe_load((REPO / "deploy" / "docker-compose.yml").read_text())
    services = compose["services"]
    apps = {name: s for name, s in services.items() if name.startswith("app-")}
    assert len(apps) == 2
    assert len({tuple(s["volumes"]) for s in apps.values()}) == 2  # each its own /data volume
    for s in apps.values():
        assert (
            s["environment"]["EVDASH_JOURNAL"].startswith("postgresql://")
            and "@postgres:5432/" in s["environment"]["EVDASH_JOURNAL"]
        )
        assert s["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert any(v.endswith(":/data") for v in s["volumes"])
    assert services["postgres"]["image"].startswith("postgres:15") and "healthcheck" in services["postgres"]
    for s in apps.values():
        assert s["healthcheck"]["test"][0] == "CMD-SHELL"
        assert_verify_then_health(s["healthcheck"]["test"][1])
    nginx = services["nginx"]
    assert "./compose/nginx-site.conf:/etc/nginx/conf.d/default.conf:ro" in nginx["volumes"]
    cluster = _cluster()
    assert (REPO / "deploy" / "compose" / "nginx-site.conf").read_text() == cluster.compose_site()
    assert [f"{name}:8501" for name in sorted(apps)] == cluster.COMPOSE_BACKENDS
    ignored = (REPO / ".gitignore").read_text().splitlines()
    assert "deploy/.env" in ignored and "deploy/secrets.toml" in ignored


REFRESH = ["evdash fetch iea", "evdash fetch kba", "evdash build", "evdash status --json"]


def _evdash_commands(script: str) -> list[str]:
    """The evdash commands a shell script runs, in order ('evdash fetch iea', …)."""
    return re.findall(r"\bevdash (?:fetch \w+|build|status --json)", script)


def _refresh_scripts() -> dict[str, str]:
    cron = [
        line
        for line in (REPO / "deploy" / "cron" / "evdash.cron").read_text().splitlines()
        if line and not line.startswith("#") and "=" not in line.split()[0]
    ]
    assert len(cron) == 1  # one schedule line
    compose = yaml.safe_load((REPO / "deploy" / "docker-compose.yml").read_text())["services"]["refresh"]
    return {
        "cron": " ".join(cron[0].split()[6:]),  # after the five time fields and the user
        "k8s": " ".join(container("CronJob", "evdash-refresh")["args"]),
        "compose": compose["command"][-1],
    }


def test_cron_k8s_and_compose_fetch_build_and_report_status_alike() -> None:
    """The schedule of issue 23: fetch the IEA and KBA files, rebuild, `evdash status --json` (exit 3 when a
    source is overdue), in the same order everywhere."""
    for where, script in _refresh_scripts().items():
        assert _evdash_commands(script) == REFRESH, where
    cron = (REPO / "deploy" / "cron" / "evdash.cron").read_text()
    assert "30 5 * * * evdash cd /opt/evdash || exit 1; " in cron and "MAILTO=" in cron


def test_the_refresh_job_fails_at_once_on_an_overdue_source_and_shares_the_journal() -> None:
    cronjob = manifests()[("CronJob", "evdash-refresh")]
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    job_spec = cronjob["spec"]["jobTemplate"]["spec"]
    (rule,) = job_spec["podFailurePolicy"]["rules"]
    assert rule["action"] == "FailJob" and rule["onExitCodes"]["values"] == [3]  # == cli.STATUS_OVERDUE
    from evdash import cli

    assert cli.STATUS_OVERDUE == 3
    job = container("CronJob", "evdash-refresh")
    assert env(job)["EVDASH_JOURNAL"] == env(container("Deployment", "evdash"))["EVDASH_JOURNAL"]
    assert job["image"] == container("Deployment", "evdash")["image"]
    compose = yaml.safe_load((REPO / "deploy" / "docker-compose.yml").read_text())["services"]
    refresh = compose["refresh"]
    assert refresh["environment"]["EVDASH_JOURNAL"] == compose["app-a"]["environment"]["EVDASH_JOURNAL"]
    assert refresh["volumes"] not in (compose["app-a"]["volumes"], compose["app-b"]["volumes"])
