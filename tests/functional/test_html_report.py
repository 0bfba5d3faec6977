"""The HTML audit report: self-contained, complete (every finding of the JSON report
is in it), and working in a real browser."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import Result

if TYPE_CHECKING:
    from playwright.sync_api import Browser

from tests.conftest import FIXTURE_DIRS, FIXTURES, REPO

Cli = Callable[..., Result]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: CI installs Chromium and sets this, so that the browser test can never skip there.
REQUIRE_BROWSER = os.environ.get("ARCHGUARD_REQUIRE_BROWSER") == "1"


def _reports(outputs: dict[str, str]) -> tuple[str, dict]:  # type: ignore[type-arg]
    return outputs["html"], json.loads(outputs["json"])


@pytest.mark.parametrize("root", FIXTURE_DIRS, ids=lambda p: p.name)
def test_report_holds_every_finding_route_and_module(
    fixture_outputs: Callable[[Path], dict[str, str]], root: Path
) -> None:
    html, data = _reports(fixture_outputs(root))
    findings = data["summary"]["findings"]
    assert html.count('<article class="finding ') == findings
    assert findings > 0 or root.name.endswith("_clean")
    for finding in data["findings"]:
        where = f"{finding['location']['path']}:{finding['location']['line']}:{finding['location']['column']}"
        assert where in html
        assert f'id="rule-{finding["rule_id"]}"' in html, "every fired rule's doc is in the report"
    # Every fixture but the libraries-only monorepo serves HTTP.
    assert html.count('<tr class="route">') > 0 or root.name == "two_services"
    assert '<svg class="architecture"' in html and html.count('<g class="box') >= 4


@pytest.mark.parametrize("root", FIXTURE_DIRS, ids=lambda p: p.name)
def test_report_loads_nothing_from_elsewhere(
    fixture_outputs: Callable[[Path], dict[str, str]], root: Path
) -> None:
    html, _ = _reports(fixture_outputs(root))
    assert not re.search(r"<(script|img|iframe|link|object|embed)\b[^>]*\b(src|href)=", html)
    assert "@import" not in html and "url(http" not in html
    # The page forbids itself any fetch, so a later change cannot quietly add one.
    assert "default-src 'none'" in html


def test_audit_command_writes_the_report_and_exits_zero(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "audit.html"
    result = cli("audit", FIXTURES / "flask_blog", "-o", target, "--no-cache")
    assert result.exit_code == 0
    assert f"wrote {target}" in result.output
    html = target.read_text(encoding="utf-8")
    assert "Not ready to ship" in html
    # flask_blog has an import cycle through the blueprint package: drawn orange and listed.
    assert 'class="box box-cycle" data-name="blog.auth.routes"' in html
    assert "<h3>Import cycles</h3>" in html


def test_audit_of_nothing_is_an_error(cli: Cli, tmp_path: Path) -> None:
    assert cli("audit", tmp_path / "missing").exit_code == 2
    (tmp_path / "README.md").write_text("# no python\n", encoding="utf-8")
    assert cli("audit", tmp_path, "-o", tmp_path / "r.html").exit_code == 2


def test_upward_import_is_drawn_red(
    cli: Cli, make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    root = make_repo(
        {
            "shop/__init__.py": "",
            "shop/views.py": "from shop.models import Order\n\ndef list_orders():\n    return Order\n",
            "shop/models.py": "from shop.views import list_orders\n\nclass Order:\n    pass\n",
            "shop/services/billing.py": "from shop.models import Order\n",
        }
    )
    target = tmp_path / "r.html"
    cli("audit", root, "-o", target, "--no-cache")
    html = target.read_text(encoding="utf-8")
    red = re.findall(r'<path class="link link-upward"[^>]*><title>([^<]*)</title>', html)
    assert red == ["shop.models → shop.views (1 import)"]
    assert "<h3>Upward imports</h3>" in html


def test_excerpts_show_code_but_not_secrets(
    cli: Cli, make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    root = make_repo(
        {
            "app/config.py": (
                "import os\n\n"
                'DATABASE_URL = os.environ["DATABASE_URL"]\n'
                'STRIPE_SECRET_KEY = "sk_live_51HqLyjWDarjtT1zdp7dcXyZ3"\n'
                "PAGE_SIZE = 50\n"
            ),
        }
    )
    target = tmp_path / "r.html"
    cli("audit", root, "-o", target, "--no-cache")
    html = target.read_text(encoding="utf-8")
    assert "PAGE_SIZE = 50" in html and "STRIPE_SECRET_KEY = &quot;•••&quot;" in html
    assert "51HqLyj" not in html


def _check_in_browser(browser: Browser, page_path: Path, data: dict) -> list[str]:  # type: ignore[type-arg]
    """Opens the report, exercises the filters and a rule link; returns what went wrong
    in the page (console errors and warnings, script errors, failed requests)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.goto(page_path.as_uri())
    total = data["summary"]["findings"]
    assert page.locator("article.finding:visible").count() == total
    assert page.locator("#shown-count").inner_text() == str(total)
    page.screenshot(path=str(ARTIFACTS / f"audit-{page_path.stem}.png"), full_page=True)

    # Filtering by severity hides exactly the findings of that severity.
    errors = sum(1 for f in data["findings"] if f["severity"] == "error")
    page.locator("input.f-sev[value=error]").uncheck()
    assert page.locator("article.finding:visible").count() == total - errors
    assert page.locator("#shown-count").inner_text() == str(total - errors)
    page.locator("input.f-sev[value=error]").check()
    if not total:  # the clean fixture: nothing to filter, no rule to open
        page.close()
        return problems
    category = data["findings"][0]["category"]
    in_category = sum(1 for f in data["findings"] if f["category"] == category)
    page.locator(f"input.f-cat[value={category}]").uncheck()
    assert page.locator("article.finding:visible").count() == total - in_category
    assert page.locator(f"section.category[data-category={category}]").is_hidden()
    page.locator(f"input.f-cat[value={category}]").check()

    # A rule link opens that rule's documentation.
    link = page.locator("a.rule").first
    link.click()
    target = link.get_attribute("href")
    assert target and page.locator(f"details{target}").get_attribute("open") is not None
    page.close()
    return problems


@pytest.mark.skipif(
    CHROMIUM is None and not REQUIRE_BROWSER,
    reason="Chromium is not installed (CI installs Debian's chromium package)",
)
def test_report_in_headless_chromium(
    fixture_outputs: Callable[[Path], dict[str, str]], tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    assert CHROMIUM is not None, "ARCHGUARD_REQUIRE_BROWSER is set but Chromium is missing"
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            for root in FIXTURE_DIRS:
                html, data = _reports(fixture_outputs(root))
                page = tmp_path / f"{root.name}.html"
                page.write_text(html, encoding="utf-8")
                problems = _check_in_browser(browser, page, data)
                assert problems == [], f"{root.name}: {problems}"
        finally:
            browser.close()
