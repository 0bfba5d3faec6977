"""Security findings count where requests run: tests, migrations, scripts and dev
settings are left out (and counted), unless the project asks for them as notes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from archguard.app.selection import select_rules
from archguard.scan.context import PathKind, path_kind

Cli = Callable[..., Result]


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("shop/views.py", PathKind.CODE),
        ("shop/settings.py", PathKind.CODE),
        ("shop/settings/production.py", PathKind.CODE),
        ("shop/tests/test_orders.py", PathKind.TEST),
        ("tests/conftest.py", PathKind.TEST),
        ("features/steps/weather_steps.py", PathKind.TEST),
        ("shop/features/pricing.py", PathKind.CODE),
        ("shop/migrations/0008_backfill.py", PathKind.MIGRATION),
        ("alembic/versions/3f2a_add_index.py", PathKind.MIGRATION),
        ("shop/management/commands/import_catalog.py", PathKind.SCRIPT),
        ("scripts/create_admin.py", PathKind.SCRIPT),
        ("manage.py", PathKind.SCRIPT),
        ("docs/conf.py", PathKind.SCRIPT),
        ("app/seed.py", PathKind.SCRIPT),
        ("populate_db.py", PathKind.SCRIPT),
        ("labs/graphql/populate-database.py", PathKind.SCRIPT),
        ("app/seed-users.py", PathKind.SCRIPT),
        ("utils/mock_methods.py", PathKind.TEST),
        ("shop/mocks.py", PathKind.TEST),
        ("features/steps/login_steps.py", PathKind.TEST),
        ("features/environment.py", PathKind.TEST),
        ("shop/mockups.py", PathKind.CODE),
        ("shop/settings/dev.py", PathKind.DEV_SETTINGS),
        ("config/local_settings.py", PathKind.DEV_SETTINGS),
        ("shop/tasks.py", PathKind.CODE),
    ],
)
def test_path_kinds(path: str, kind: PathKind) -> None:
    assert path_kind(path) is kind


FILES = {
    "shop/__init__.py": "",
    "shop/settings.py": 'STRIPE_API_KEY = "rk_live_9fK2mQ7xL4pV8nB3tY6w"\n',
    "shop/tests/test_payments.py": 'API_SECRET = "q7Zp2Wm9Xr4Lk8Nv3Bt6Yh1J"\n',
    "shop/management/commands/seed.py": 'ADMIN_PASSWORD = "Adm1n-Passw0rd-2024"\n',
}


def test_security_findings_outside_production_are_counted_not_shown(
    make_repo: Callable[..., Path], cli: Cli
) -> None:
    root = make_repo(FILES)
    report = json.loads(cli("scan", root, "--no-cache", "--format", "json").output)
    assert [f["location"]["path"] for f in report["findings"]] == ["shop/settings.py"]
    assert report["summary"]["non_production"] == 2
    text = cli("scan", root, "--no-cache").output
    assert "2 findings in tests, migrations and scripts not shown" in text


def test_report_non_production_keeps_them_as_notes(
    make_repo: Callable[..., Path], cli: Cli
) -> None:
    root = make_repo(FILES, config="report-non-production = true\n")
    report = json.loads(cli("scan", root, "--no-cache", "--format", "json").output)
    levels = {f["location"]["path"]: f["severity"] for f in report["findings"]}
    assert levels == {
        "shop/settings.py": "error",
        "shop/tests/test_payments.py": "note",
        "shop/management/commands/seed.py": "note",
    }
    assert report["summary"]["non_production"] == 0


def test_a_real_token_in_a_test_is_still_reported() -> None:
    rule = next(r for r in select_rules((), (), ()) if r.meta.id == "AG102")
    assert rule.meta.outside_production is not None


def test_style_rules_run_only_when_selected() -> None:
    default = {r.meta.id for r in select_rules((), (), ())}
    assert "AG703" not in default and "AG702" not in default and "AG101" in default
    assert "AG703" in {r.meta.id for r in select_rules(("AG7",), (), ())}
    assert "AG703" in {r.meta.id for r in select_rules(("ALL",), (), ())}
    assert "AG702" in {r.meta.id for r in select_rules((), ("AG702",), ())}
