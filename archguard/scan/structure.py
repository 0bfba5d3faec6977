"""Structural facts of one module: the shape of every function (for duplicated logic
and fat handlers) and the modules named in framework strings (for the import graph)."""

from __future__ import annotations

import ast
import hashlib

from archguard.core.facts import FunctionShape, ImportFact, ImportKind
from archguard.scan.syntax import Names, argument, string, strings

#: Django model fields whose first argument (or ``to=``) may name a model lazily.
_RELATION_FIELDS = frozenset({"ForeignKey", "OneToOneField", "ManyToManyField", "ParentalKey"})
#: Settings that list dotted module paths Django imports by itself.
_MODULE_SETTINGS = frozenset(
    {
        "INSTALLED_APPS",
        "MIDDLEWARE",
        "ROOT_URLCONF",
        "WSGI_APPLICATION",
        "ASGI_APPLICATION",
        "AUTH_USER_MODEL",
    }
)
_URL_INCLUDES = frozenset({"include"})
#: Attribute names that only ORMs and DB-API objects have.
_ORM_ATTRIBUTES = frozenset(
    {
        "objects",
        "query",
        "cursor",
        "scalars",
        "execute",
        "executemany",
        "bulk_create",
        "bulk_update",
        "select_related",
        "prefetch_related",
    }
)
#: Methods that act on the database when called on a session, connection or ``db``.
_SESSION_METHODS = frozenset(
    {
        "add",
        "add_all",
        "commit",
        "flush",
        "delete",
        "get",
        "merge",
        "refresh",
        "rollback",
        "scalar",
        "scalars",
        "execute",
        "query",
    }
)
_SESSION_NAMES = ("session", "db", "conn", "connection", "cursor", "cur", "tx")
_SQL_BUILDERS = frozenset(
    {
        "sqlalchemy.select",
        "sqlalchemy.insert",
        "sqlalchemy.update",
        "sqlalchemy.delete",
        "sqlmodel.select",
        "django.db.connection",
    }
)
#: Roots of values a handler only passes through: comparing them is routing, not logic.
_GLUE_ROOTS = frozenset(
    {
        "request",
        "self",
        "form",
        "serializer",
        "payload",
        "user",
        "current_user",
        "g",
        "settings",
        "response",
    }
)
_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Pow, ast.Mod)


def framework_references(tree: ast.Module) -> tuple[ImportFact, ...]:
    """Modules named in strings that Django imports for the project."""
    found: list[ImportFact] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _last_name(node.func)
            if name in _RELATION_FIELDS:
                target = string(argument(node, 0, "to"))
                if target and target.count(".") == 1:
                    label, model = target.split(".")
                    # ``app_label.Model``: the build step finds the app's models module.
                    found.append(_reference(f"{label}.models", model, node))
            elif name in _URL_INCLUDES:
                target = string(argument(node, 0, "arg"))
                if target and ("." in target or target.isidentifier()):
                    found.append(_reference(target, "", node))
        elif isinstance(node, ast.Assign):
            names = {t.id for t in node.targets if isinstance(t, ast.Name)}
            if names & _MODULE_SETTINGS:
                for value in strings(node.value):
                    if "." in value and " " not in value:
                        module, _, attribute = value.rpartition(".")
                        found.append(_reference(module, attribute, node))
                    elif value.isidentifier():
                        found.append(_reference(value, "", node))
    return tuple(sorted(set(found)))


def _reference(module: str, name: str, node: ast.expr | ast.stmt) -> ImportFact:
    return ImportFact(module, name, node.lineno, node.col_offset + 1, ImportKind.FRAMEWORK)


def _last_name(expr: ast.expr) -> str:
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        return expr.attr
    return ""


def _root(expr: ast.expr) -> str:
    while isinstance(expr, (ast.Attribute, ast.Subscript, ast.Call)):
        expr = expr.func if isinstance(expr, ast.Call) else expr.value
    return expr.id if isinstance(expr, ast.Name) else ""


def function_shapes(
    tree: ast.Module,
    module: str,
    imports: tuple[ImportFact, ...],
) -> tuple[FunctionShape, ...]:
    """Every module-level function and every method of a module-level class."""
    names = Names(module, imports)
    shapes: list[FunctionShape] = []
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            shapes.append(_shape(stmt.name, stmt, names))
        elif isinstance(stmt, ast.ClassDef):
            for item in stmt.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    shapes.append(_shape(f"{stmt.name}.{item.name}", item, names))
    return tuple(shapes)


def _shape(name: str, node: ast.FunctionDef | ast.AsyncFunctionDef, names: Names) -> FunctionShape:
    """Size, complexity, what it touches and a rename-proof digest of one function, in
    one pre-order pass over its body (this runs on every function of every file)."""
    body = _without_docstring(node.body)
    statements = 0
    complexity = 1
    persistence = False
    logic = False
    domain_decisions = 0
    seen = _parameters(node)
    tokens: list[str] = []
    stack: list[ast.AST | None] = list(reversed(body))
    while stack:
        child = stack.pop()
        if child is None:  # the end of a node's children
            tokens.append(")")
            continue
        kind = type(child)
        tokens.append(kind.__name__)
        # Dispatch on the exact node type: this loop sees every node of every function
        # of the project, and a chain of isinstance calls per node was most of its cost.
        if kind in _LEAF_TOKENS:
            if kind is ast.Name:
                assert isinstance(child, ast.Name)
                tokens.append(seen.setdefault(child.id, f"v{len(seen)}"))
                if not persistence:
                    persistence = _touches_database(child, names)
            elif kind is ast.Constant:
                assert isinstance(child, ast.Constant)
                tokens.append(type(child.value).__name__)
            elif kind is ast.Attribute:
                assert isinstance(child, ast.Attribute)
                tokens.append(child.attr)
                if not persistence:
                    persistence = _touches_database(child, names)
            elif kind is ast.arg:
                assert isinstance(child, ast.arg)
                tokens.append(seen.setdefault(child.arg, f"v{len(seen)}"))
            elif kind is ast.keyword:
                assert isinstance(child, ast.keyword)
                tokens.append(child.arg or "**")
        elif kind in _OPERATOR_TYPES:
            continue  # no children and no closing token
        elif kind in _BRANCHING:
            complexity += _decisions(child)
            domain_decisions += _domain_decision(child)
            if not logic:
                logic = _is_logic(child)
        if isinstance(child, ast.stmt):
            statements += 1
        stack.append(None)
        stack.extend(reversed(list(ast.iter_child_nodes(child))))
    logic = logic or domain_decisions >= _DOMAIN_DECISIONS
    body_hash = ""
    if statements >= HASHED_STATEMENTS:
        body_hash = hashlib.sha256("\0".join(tokens).encode() + b"\0").hexdigest()[:24]
    return FunctionShape(
        name=name,
        line=node.lineno,
        end_line=node.end_lineno or node.lineno,
        statements=statements,
        complexity=complexity,
        body_hash=body_hash,
        persistence=persistence,
        logic=logic,
    )


def _without_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
    first = body[0] if body else None
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        return body[1:]
    return body


def _decisions(node: ast.AST) -> int:
    if isinstance(
        node,
        (
            ast.If,
            ast.IfExp,
            ast.For,
            ast.AsyncFor,
            ast.While,
            ast.ExceptHandler,
            ast.Assert,
            ast.match_case,
        ),
    ):
        return 1
    if isinstance(node, ast.comprehension):
        return 1 + len(node.ifs)
    if isinstance(node, ast.BoolOp):
        return len(node.values) - 1
    return 0


#: This many loops and data-driven branches make a body business logic on their own.
_DOMAIN_DECISIONS = 4


def _domain_decision(node: ast.AST) -> int:
    """Decisions about data, not about the request: loops, and branches whose test is
    more than a truthiness, ``is None`` or request/user check. Error handling and
    method dispatch are glue."""
    if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
        return 1
    if isinstance(node, (ast.If, ast.IfExp)):
        return 0 if _is_glue_test(node.test) else 1
    if isinstance(node, ast.comprehension):
        return len(node.ifs)
    return 0


def _is_glue_test(test: ast.expr) -> bool:
    if isinstance(test, ast.BoolOp):
        return all(_is_glue_test(v) for v in test.values)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _is_glue_test(test.operand)
    if isinstance(test, ast.Compare):
        return not _compares_data(test) and not any(
            isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE)) for op in test.ops
        )
    return True


def _touches_database(node: ast.AST, names: Names) -> bool:
    if isinstance(node, ast.Attribute):
        if node.attr in _ORM_ATTRIBUTES:
            return True
        if node.attr in _SESSION_METHODS:
            owner = _last_name(node.value).lower()
            return any(owner == s or owner.endswith("_" + s) for s in _SESSION_NAMES)
    if isinstance(node, ast.Name):
        return names.qualify(node) in _SQL_BUILDERS
    return False


def _is_logic(node: ast.AST) -> bool:
    """Arithmetic on numbers, or a comparison of the handler's own data (not the
    request, the user or a form, which is routing)."""
    if isinstance(node, (ast.BinOp, ast.AugAssign)) and isinstance(node.op, _ARITHMETIC):
        operands = [node.left, node.right] if isinstance(node, ast.BinOp) else [node.value]
        return not any(_is_text(o) for o in operands) and not (
            isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and _is_text(node.left)
        )
    tests: list[ast.expr] = []
    if isinstance(node, (ast.If, ast.While, ast.IfExp)):
        tests = [node.test]
    elif isinstance(node, ast.comprehension):
        tests = list(node.ifs)
    return any(_compares_data(c) for t in tests for c in ast.walk(t) if isinstance(c, ast.Compare))


def _is_text(expr: ast.expr) -> bool:
    return isinstance(expr, ast.JoinedStr) or (
        isinstance(expr, ast.Constant) and isinstance(expr.value, (str, bytes))
    )


def _compares_data(compare: ast.Compare) -> bool:
    if any(isinstance(op, (ast.Is, ast.IsNot, ast.In, ast.NotIn)) for op in compare.ops):
        return False
    operands = [compare.left, *compare.comparators]
    if any(_root(o) in _GLUE_ROOTS or "user" in _root(o) for o in operands):
        return False
    attributes = [o for o in operands if isinstance(o, ast.Attribute)]
    if attributes and all(a.attr == "id" or a.attr.endswith("_id") for a in attributes):
        return False  # an identity or ownership check: routing, not logic
    if any(isinstance(o, (ast.Attribute, ast.Subscript)) for o in operands):
        return True
    # A threshold on a computed value: ``spent > 1000``.
    ordering = any(isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE)) for op in compare.ops)
    return ordering and any(
        isinstance(o, ast.Constant)
        and isinstance(o.value, (int, float))
        and not isinstance(o.value, bool)
        and o.value not in (0, 1)
        for o in operands
    )


#: Bodies shorter than this are too common to call a copy (see duplicated-logic).
HASHED_STATEMENTS = 6


def _parameters(node: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, str]:
    """The digest renames every variable to the order of its first appearance, the
    parameters first, so that renamed copies hash the same."""
    seen: dict[str, str] = {}
    for arg in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs):
        if arg.arg not in ("self", "cls"):
            seen.setdefault(arg.arg, f"v{len(seen)}")
    return seen


#: The body digest keeps a variable's order, a literal's type (never its value), an
#: attribute's or keyword's name (the APIs the code calls) beside every node's type.
_LEAF_TOKENS = frozenset({ast.Name, ast.Constant, ast.Attribute, ast.arg, ast.keyword})
_OPERATOR_TYPES = frozenset(
    t for base in (ast.operator, ast.cmpop, ast.unaryop, ast.boolop) for t in base.__subclasses__()
)
#: Nodes that add to the complexity or may be logic (see _decisions, _is_logic).
_BRANCHING = frozenset(
    {
        ast.If, ast.IfExp, ast.For, ast.AsyncFor, ast.While, ast.ExceptHandler,
        ast.Assert, ast.match_case, ast.comprehension, ast.BoolOp, ast.BinOp, ast.AugAssign,
    }
)  # fmt: skip
