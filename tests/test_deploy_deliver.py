"""The `deliver` schedule (docs/subscriptions.md) runs the same commands in its three homes: the system
crontab (deploy/cron/evdash-deliver.cron), the Kubernetes CronJob (deploy/k8s/deliver-cronjob.yaml,
validated with the other manifests by tests/test_deploy_k8s.py) and the compose service; each builds
first, uses the shared journal (where the subscriptions and delivery records are) and the SMTP settings
file, and runs after the daily refresh so that alerts see the new data."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.test_deploy_k8s import REPO, container, env, manifests

DELIVER = ["evdash build", "evdash deliver --smtp-config /etc/evdash/smtp.toml"]


def _commands(script: str) -> list[str]:
    return re.findall(r"\bevdash (?:build|deliver --smtp-config [^\s;]+)", script)


def _cron_line(name: str) -> list[str]:
    lines = [
        line
        for line in (REPO / "deploy" / "cron" / name).read_text().splitlines()
        if line and not line.startswith("#") and "=" not in line.split()[0]
    ]
    assert len(lines) == 1  # one schedule line
    return lines[0].split()


def test_cron_k8s_and_compose_build_then_deliver_alike() -> None:
    compose = yaml.safe_load((REPO / "deploy" / "docker-compose.yml").read_text())["services"]
    scripts = {
        "cron": " ".join(_cron_line("evdash-deliver.cron")[6:]),
        "k8s": " ".join(container("CronJob", "evdash-deliver")["args"]),
        "compose": compose["deliver"]["command"][-1],
    }
    for where, script in scripts.items():
        assert _commands(script) == DELIVER, where
    assert "./smtp.toml:/etc/evdash/smtp.toml:ro" in compose["deliver"]["volumes"]
    assert (
        compose["deliver"]["environment"]["EVDASH_JOURNAL"]
        == compose["app-a"]["environment"]["EVDASH_JOURNAL"]
    )


def test_deliver_runs_daily_after_the_refresh_on_the_shared_journal_with_the_smtp_secret() -> None:
    cronjob = manifests()[("CronJob", "evdash-deliver")]
    refresh = manifests()[("CronJob", "evdash-refresh")]
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"

    def minutes(schedule: str) -> int:
        minute, hour, *every_day = schedule.split()
        assert every_day == ["*", "*", "*"]  # daily: weekly and monthly views go out on their first day
        return int(hour) * 60 + int(minute)

    assert minutes(cronjob["spec"]["schedule"]) > minutes(refresh["spec"]["schedule"])
    assert minutes(" ".join(_cron_line("evdash-deliver.cron")[:5])) > minutes(
        " ".join(_cron_line("evdash.cron")[:5])
    )
    job = container("CronJob", "evdash-deliver")
    assert env(job)["EVDASH_JOURNAL"] == env(container("Deployment", "evdash"))["EVDASH_JOURNAL"]
    assert job["image"] == container("Deployment", "evdash")["image"]
    assert {"name": "smtp", "mountPath": "/etc/evdash", "readOnly": True} in job["volumeMounts"]
    volumes = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["volumes"]
    assert {"name": "smtp", "secret": {"secretName": "evdash-smtp"}} in volumes


def test_the_deliver_exit_codes_the_schedules_rely_on_are_documented() -> None:
    from evdash import cli

    with pytest.raises(SystemExit):
        cli.main(["deliver", "--help"])
    assert cli.DELIVER_FAILED == 4
    doc = (REPO / "docs" / "subscriptions.md").read_text()
    assert "exit 4" in doc.lower() and "deliver.failed" in doc
