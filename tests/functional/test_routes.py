"""The route inventory on the fixture apps: every route, its methods and full path, and
every guard with the level it comes from. ``archguard routes`` prints exactly this."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from archguard.cli import main

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

EXPECTED = {
    "fastapi_shop": [
        "GET /health | no authentication | ",
        "POST /maintenance/purge-carts | authorized | authentication:Depends(require_admin)@app, authorization:Depends(require_admin)@app",
        "POST /webhooks/payments | no authentication | ",
        "POST /webhooks/payments/safe | no authentication | ",
        "GET /{settings.API_V1_STR}/admin/users | authenticated | authentication:Depends(CurrentUser)@handler",
        "GET /{settings.API_V1_STR}/admin/users/safe | authorized | authentication:Depends(require_admin)@route, authorization:Depends(require_admin)@route",
        "DELETE /{settings.API_V1_STR}/admin/users/{user_id} | authorized | authentication:Depends(require_admin)@route, authorization:Depends(require_admin)@route",
        "POST /{settings.API_V1_STR}/auth/admin-login | no authentication | ",
        "POST /{settings.API_V1_STR}/auth/register | no authentication | rate-limit:@limit@handler",
        "POST /{settings.API_V1_STR}/auth/token | no authentication | ",
        "GET /{settings.API_V1_STR}/orders/ | authenticated | authentication:Depends(CurrentUser)@handler, authentication:Depends(get_current_user)@router",
        "DELETE /{settings.API_V1_STR}/orders/{order_id} | authenticated | authentication:Depends(CurrentUser)@handler, authentication:Depends(get_current_user)@router",
        "GET /{settings.API_V1_STR}/orders/{order_id} | authenticated | authentication:Depends(get_current_user)@router",
        "GET /{settings.API_V1_STR}/orders/{order_id}/safe | authenticated | authentication:Depends(CurrentUser)@handler, authentication:Depends(get_current_user)@router",
        "POST /{settings.API_V1_STR}/reports/imports | authenticated | authentication:Depends(get_current_user)@include",
        "POST /{settings.API_V1_STR}/reports/imports/safe | authenticated | authentication:Depends(get_current_user)@include",
        "GET /{settings.API_V1_STR}/reports/sales | authenticated | authentication:Depends(get_current_user)@include",
        "GET /{settings.API_V1_STR}/reports/sales/safe | authenticated | authentication:Depends(get_current_user)@include",
        "POST /{settings.API_V1_STR}/reports/share | authenticated | authentication:Depends(get_current_user)@include",
        "POST /{settings.API_V1_STR}/reports/share/safe | authenticated | authentication:Depends(get_current_user)@include",
    ],
    "flask_blog": [
        "GET /admin/ | authorized | authentication:hook require_admin@hook, authorization:hook require_admin@hook",
        "POST /admin/users/<int:user_id>/delete | authorized | authentication:hook require_admin@hook, authorization:hook require_admin@hook",
        "GET /api/admin/users | authenticated | authentication:@login_required@handler",
        "GET /api/admin/users/safe | authorized | authentication:@admin_required@handler, authorization:@admin_required@handler",
        "GET /api/drafts | authenticated | authentication:@login_required@view",
        "POST /api/drafts | authenticated | authentication:@login_required@view",
        "GET /api/posts | no authentication | ",
        "DELETE /api/posts/<int:post_id> | authenticated | authentication:@login_required@handler",
        "DELETE /api/posts/<int:post_id>/safe | authenticated | authentication:@login_required@handler",
        "PUT /api/users/<int:user_id>/email | no authentication | ",
        "GET POST /auth/login | no authentication | ",
        "GET /auth/logout | no authentication | ",
        "GET POST /auth/register | no authentication | rate-limit:@limit@handler",
        "GET /auth/reset/<token> | no authentication | ",
        "POST /uploads/drafts/import | authenticated | authentication:@login_required@handler",
        "POST /uploads/drafts/import/safe | authenticated | authentication:@login_required@handler",
        "POST /uploads/images | authenticated | authentication:@login_required@handler",
        "POST /uploads/images/safe | authenticated | authentication:@login_required@handler",
        "POST /uploads/preferences | no authentication | ",
        "POST /uploads/preferences/safe | no authentication | ",
    ],
    "django_inventory": [
        "ANY /accounts/health/ | no authentication | ",
        "GET /accounts/profile/ | authenticated | authentication:LoginRequiredMixin@view",
        "POST /accounts/signup/ | public on purpose | public:AllowAny@view",
        "POST /accounts/signup/throttled/ | public on purpose | public:AllowAny@view, rate-limit:AnonRateThrottle@view",
        "ANY /accounts/users/<int:user_id>/promote/ | authenticated | authentication:@login_required@handler",
        "ANY /accounts/users/export/ | no authentication | ",
        "ANY /accounts/users/export/safe/ | authorized | authentication:@staff_member_required@handler, authorization:@staff_member_required@handler",
        "GET POST /api/managed-suppliers/ | authorized | authentication:IsSupplierManager@view, authorization:IsSupplierManager@view",
        "DELETE GET PATCH PUT /api/managed-suppliers/{pk}/ | authorized | authentication:IsSupplierManager@view, authorization:IsSupplierManager@view",
        "GET POST /api/products/ | authenticated | authentication:IsAuthenticated@view",
        "GET /api/products/search/ | authenticated | authentication:IsAuthenticated@view",
        "GET /api/products/search_safe/ | authenticated | authentication:IsAuthenticated@view",
        "GET /api/products/supplier_catalog/ | authenticated | authentication:IsAuthenticated@view",
        "GET /api/products/supplier_status/ | authenticated | authentication:IsAuthenticated@view",
        "DELETE GET PATCH PUT /api/products/{pk}/ | authenticated | authentication:IsAuthenticated@view",
        "POST /api/products/{pk}/restock/ | authenticated | authentication:IsAuthenticated@view",
        "GET /api/reports/stock/ | no authentication | ",
        "GET POST /api/suppliers/ | authenticated | authentication:IsAuthenticated@settings",
        "DELETE GET PATCH PUT /api/suppliers/{pk}/ | authenticated | authentication:IsAuthenticated@settings",
        "ANY /api/token/ | no authentication | ",
    ],
    "django_payments": [
        "ANY /billing/checkout-safe/<int:order_id>/ | authenticated | authentication:@login_required@handler",
        "ANY /billing/checkout/<int:order_id>/ | authenticated | authentication:@login_required@handler",
        "ANY /billing/rates-shared/ | authenticated | authentication:@login_required@handler",
        "ANY /billing/rates/ | authenticated | authentication:@login_required@handler",
        # Stripe webhooks verify their signature; the probe is public on purpose.
        "ANY /billing/webhooks/stripe-safe/ | no authentication | ",
        "ANY /billing/webhooks/stripe/ | no authentication | ",
        "ANY /healthz/ | no authentication | ",
    ],
}


def _compact(route: dict[str, object]) -> str:
    guards = sorted({(g["kind"], g["name"], g["origin"]) for g in route["guards"]})  # type: ignore[attr-defined,index]
    text = ", ".join(f"{k}:{n}@{o}" for k, n, o in guards)
    return f"{' '.join(route['methods'])} {route['path']} | {route['standing']} | {text}"  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_routes_lists_every_fixture_route_with_its_guards(name: str) -> None:
    result = CliRunner().invoke(
        main, ["routes", str(FIXTURES / name), "--format", "json", "--no-cache"]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert [_compact(r) for r in document["routes"]] == EXPECTED[name]
    assert document["diagnostics"] == []
    for route in document["routes"]:
        # Paths are shown from the root of archguard's own git work tree.
        assert (FIXTURES.parent / route["location"]["path"]).is_file()


def test_routes_text_and_unguarded_filter() -> None:
    result = CliRunner().invoke(
        main, ["routes", str(FIXTURES / "flask_blog"), "--unguarded", "--no-cache"]
    )
    assert result.exit_code == 0, result.output
    assert (
        "PUT     /api/users/<int:user_id>/email  ->  blog.api.change_email  (fixtures/flask_blog/blog/api.py:50)"
        in result.output
    )
    assert "/api/drafts" not in result.output
    assert result.output.rstrip().endswith("8 routes (flask 8): 8 no authentication")


def test_routes_errors(tmp_path: Path) -> None:
    missing = CliRunner().invoke(main, ["routes", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "does not exist" in missing.output
    (tmp_path / "README.md").write_text("no python here\n")
    empty = CliRunner().invoke(main, ["routes", str(tmp_path)])
    assert empty.exit_code == 2 and "no Python files" in empty.output


def test_routes_survive_a_broken_file(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "from flask import Flask\napp = Flask(__name__)\n\n@app.get('/items')\ndef items():\n    return []\n"
    )
    (tmp_path / "broken.py").write_text("def oops(:\n")
    result = CliRunner().invoke(main, ["routes", str(tmp_path), "--no-cache"])
    assert result.exit_code == 0, result.output
    assert "GET     /items  ->  app.items" in result.output
    assert "broken.py: not analysed: syntax error" in result.output


def test_public_routes_setting_silences_missing_authz(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "from flask import Flask\nfrom flask_login import login_required\napp = Flask(__name__)\n\n"
        "@app.get('/account')\n@login_required\ndef account():\n    return User.query.first()\n\n"
        "@app.put('/catalog/items/<int:item_id>')\ndef update_item(item_id):\n"
        "    db.session.merge(Item(id=item_id))\n"
    )
    args = [
        "scan",
        str(tmp_path),
        "--select",
        "AG201",
        "--no-cache",
        "--no-semgrep",
        "--format",
        "json",
    ]
    before = json.loads(CliRunner().invoke(main, args).output)
    assert [f["rule_id"] for f in before["findings"]] == ["AG201"]
    (tmp_path / "pyproject.toml").write_text('[tool.archguard]\npublic-routes = ["/catalog/*"]\n')
    after = json.loads(CliRunner().invoke(main, args).output)
    assert after["findings"] == []
