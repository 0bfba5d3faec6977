"""AG702 print-in-app-code."""

from __future__ import annotations

import ast
from pathlib import PurePosixPath

from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.rules.ops._calls import keyword
from archguard.scan.context import FileContext
from archguard.scan.scoped_rule import ScopedRule

#: Command-line programs print to their user on purpose.
_CLI_MODULES = frozenset({"argparse", "click", "typer", "fire", "docopt"})
_SCRIPT_DIRS = frozenset({"scripts", "bin", "tools", "commands", "management", "examples", "docs"})
_SCRIPT_FILES = frozenset(
    {
        "manage.py",
        "setup.py",
        "cli.py",
        "__main__.py",
        "noxfile.py",
        "tasks.py",
        "fabfile.py",
        "conftest.py",
    }
)


class PrintInAppCode(ScopedRule):
    """
    ## What it does
    Finds `print()` calls in application code: modules of a web service, its
    models, services and tasks. Command-line code is left alone: scripts and
    `management/commands`, `manage.py`, `__main__.py` and `cli.py`, modules that use
    argparse, click or typer, functions named `main`, code under
    `if __name__ == "__main__":`, and prints to an explicit `file=`. Tests are skipped.

    ## Why is this bad?
    `print()` writes unstructured text to standard output with no level, no logger
    name, no timestamp and no request context. Under gunicorn or uvicorn it is
    buffered, interleaved between workers, or discarded; log shippers cannot filter or
    alert on it; and a debugging `print(user)` left in a view is how personal data ends
    up in logs nobody knew existed.

    ## Example
    ```python
    def create_order(db, payload):
        print("creating order", payload)
        ...
    ```

    ## Use instead
    ```python
    logger = logging.getLogger(__name__)

    def create_order(db, payload):
        logger.info("creating order for customer %s", payload.customer_id)
        ...
    ```

    ## References
    - https://docs.python.org/3/howto/logging.html#when-to-use-logging
    - https://12factor.net/logs
    - https://docs.astral.sh/ruff/rules/print/
    """

    meta = RuleMeta(
        id="AG702",
        name="print-in-app-code",
        category=Category.OBSERVABILITY,
        severity=Severity.NOTE,
        confidence=Confidence.MEDIUM,
        summary="print() used for diagnostics in application code instead of a logger.",
        tags=frozenset({"observability", "logging"}),
        # Style, not a production failure: on only when selected (ruff keeps its
        # print and logging-format rules out of the default set too).
        default=False,
    )
    TRIGGERS = (rb"print\s*\(",)

    VALID = (
        Valid(
            """
            import argparse

            def main():
                parser = argparse.ArgumentParser()
                print(parser.parse_args())
            """,
            path="shop/seed.py",
            label="a command-line module",
        ),
        Valid("print('seeding...')\n", path="scripts/seed_demo.py"),
        Valid(
            """
            from django.core.management.base import BaseCommand

            class Command(BaseCommand):
                def handle(self, *args, **options):
                    print("done")
            """,
            path="shop/management/commands/import_products.py",
        ),
        Valid(
            """
            def export(rows, out):
                for row in rows:
                    print(",".join(row), file=out)

            if __name__ == "__main__":
                print(export.__doc__)
            """,
            path="shop/exporting.py",
            label="writing to a file, and a __main__ block",
        ),
        Valid("def test_total():\n    print(total())\n", path="tests/test_orders.py"),
    )
    INVALID = (
        Invalid(
            """
            from fastapi import APIRouter

            router = APIRouter()

            @router.post("/orders")
            def create_order(payload: OrderIn):
                print("creating order", payload)
                return service.create(payload)
            """,
            path="app/api/routes/orders.py",
            line=7,
        ),
        Invalid(
            """
            class Order(models.Model):
                def mark_paid(self):
                    print(f"order {self.pk} paid")
                    self.status = "paid"
            """,
            path="shop/models.py",
            line=3,
        ),
    )

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        path = PurePosixPath(ctx.path)
        self._skip = (
            ctx.is_test
            or ctx.is_migration
            or path.name in _SCRIPT_FILES
            or bool(_SCRIPT_DIRS & set(path.parts[:-1]))
        )
        self._main_blocks = 0

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            name = self.ctx.names.resolve(_reference(alias.name)) or ""
            if name.split(".")[0] in _CLI_MODULES:
                self._skip = True

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module is not None and not node.level and node.module.split(".")[0] in _CLI_MODULES:
            self._skip = True

    def visit_If(self, node: ast.If) -> None:
        if _is_main_guard(node.test):
            self._main_blocks += 1

    def leave_If(self, node: ast.If) -> None:
        if _is_main_guard(node.test):
            self._main_blocks -= 1

    def visit_Call(self, node: ast.Call) -> None:
        functions = [f.name for f in self.functions]
        if self._skip or self._main_blocks or "main" in functions:
            return
        if (
            self.ctx.names.resolve(node.func) != "builtins.print"
            or keyword(node, "file") is not None
        ):
            return
        where = f"in {functions[-1]}()" if functions else "at module level"
        self.report(
            node,
            f"print() {where} writes unstructured text that log shippers cannot filter, "
            "level or alert on, and that workers interleave or drop. Use a module logger.",
            symbol=functions[-1] if functions else "<module>",
            fix='logger = logging.getLogger(__name__)\nlogger.info("...", value)',
        )


def _reference(dotted_name: str) -> ast.expr:
    """The name or attribute chain ``a.b.c`` as an expression, to resolve it."""
    head, *rest = dotted_name.split(".")
    expr: ast.expr = ast.Name(head, ast.Load())
    for attr in rest:
        expr = ast.Attribute(expr, attr, ast.Load())
    return expr


def _is_main_guard(test: ast.expr) -> bool:
    if not isinstance(test, ast.Compare) or len(test.comparators) != 1:
        return False
    left, right = test.left, test.comparators[0]
    names = {n.id for n in (left, right) if isinstance(n, ast.Name)}
    strings = {
        s.value
        for s in (left, right)
        if isinstance(s, ast.Constant) and isinstance(s.value, (str, bytes))
    }
    return names == {"__name__"} and strings == {"__main__"}
