"""Database facts of one module, from ``ast``: its classes as written and each
function's database flow (see ``orm_flow``). Which classes are models, serializers or
admins is decided in the project pass, where every module's classes are known."""

from __future__ import annotations

import ast
import re

from archguard.core.facts import ImportFact
from archguard.core.orm import (
    ClassAttribute,
    ClassFacts,
    FunctionFlow,
    Keyword,
    OrmFacts,
    Value,
    ValueKind,
)
from archguard.orm.flow import FlowBuilder
from archguard.orm.queries import QueryReader, value_of
from archguard.scan.syntax import Names, string

#: Only modules that mention one of these can hold database facts.
TRIGGERS = re.compile(
    rb"django|sqlalchemy|sqlmodel|rest_framework|pydantic|\.objects\b|\.query\b|session|Session"
    rb"|relationship|select\(|ATOMIC_REQUESTS|DEFAULT_PAGINATION_CLASS|\bmodels\b"
    # Helpers that loop over a row's related manager: ``for line in order.lines.all()``.
    rb"|\.all\(\)|\.filter\(|\w_set\."
    # Views that hand rows to a template.
    rb"|render\(|render_template|TemplateResponse|render_to_string"
    # Code that queries through the repository pattern: ``self.users.by_email(e)``.
    rb"|[Rr]epositor|\brepos?\b|_repo\b"
)
_SETTINGS = ("ATOMIC_REQUESTS", "DEFAULT_PAGINATION_CLASS")
_SETTING_WORDS = re.compile(rb"ATOMIC_REQUESTS|DEFAULT_PAGINATION_CLASS")
_META_CLASSES = frozenset({"Meta", "Config"})
_CONTAINERS = frozenset(
    {
        "list",
        "List",
        "set",
        "Set",
        "Sequence",
        "Iterable",
        "tuple",
        "Tuple",
        "frozenset",
        "DynamicMapped",
        "WriteOnlyMapped",
    }
)
_WRAPPERS = frozenset({"Mapped", "Optional", "ClassVar", "Annotated"})


def module_facts(
    tree: ast.Module, module: str, imports: tuple[ImportFact, ...], data: bytes
) -> OrmFacts | None:
    """The per-file pass's entry: database facts of modules that mention an ORM."""
    return extract(tree, module, imports, data) if TRIGGERS.search(data) else None


def extract(
    tree: ast.Module, module: str, imports: tuple[ImportFact, ...], data: bytes | None = None
) -> OrmFacts | None:
    names = Names(module, imports)
    reader = QueryReader(names, {}, set())
    classes: list[ClassFacts] = []
    functions = []
    factories: list[tuple[str, str]] = []
    registrations: list[tuple[str, str]] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.ClassDef):
            classes.append(_class(stmt, reader))
            for item in stmt.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    name = f"{stmt.name}.{item.name}"
                    functions.append(FlowBuilder(names, names.local(name), item).build(name))
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions.append(FlowBuilder(names, names.local(stmt.name), stmt).build(stmt.name))
        elif isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
            callee = names.qualify(stmt.value.func)
            for target in stmt.targets:
                if isinstance(target, ast.Name) and callee:
                    factories.append((target.id, callee))
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            registration = _admin_registration(stmt.value, names)
            if registration is not None:
                registrations.append(registration)
    functions = [f for f in functions if _carries_facts(f)]
    # Only a module that names a setting can set it: most modules skip the walk.
    settings = _settings(tree) if data is None or _SETTING_WORDS.search(data) else ()
    if not (classes or functions or settings or factories):
        return None
    return OrmFacts(
        classes=tuple(classes),
        functions=tuple(functions),
        factories=tuple(factories),
        admin_registrations=tuple(registrations),
        settings=settings,
    )


def _carries_facts(flow: FunctionFlow) -> bool:
    """Whether the project pass can learn anything from the function. Most functions
    touch no rows or queries; leaving them out keeps the cache small (whether a class
    defines a method at all is in its class facts)."""
    return bool(
        flow.returns
        or flow.returned_rows
        or flow.returned_names
        or flow.row_uses
        or flow.param_uses
        or flow.calls
        or flow.loop_calls
        or flow.serializations
        or flow.renders
        or flow.response_schema
        or flow.attribute_types
    )


def _class(node: ast.ClassDef, reader: QueryReader) -> ClassFacts:
    names = reader.names
    bases = tuple(names.qualify(b.value if isinstance(b, ast.Subscript) else b) for b in node.bases)
    attributes: list[ClassAttribute] = []
    meta: list[ClassAttribute] = []
    methods: list[str] = []
    for item in node.body:
        if isinstance(item, ast.ClassDef) and item.name in _META_CLASSES:
            meta.extend(a for stmt in item.body for a in _attributes(stmt, reader))
        elif isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            methods.append(item.name)
        else:
            for attribute in _attributes(item, reader):
                if attribute.name == "model_config":
                    meta.extend(
                        ClassAttribute(k.name, attribute.line, k.value)
                        for k in attribute.value.keywords
                    )
                attributes.append(attribute)
    return ClassFacts(
        name=node.name,
        line=node.lineno,
        end_line=node.end_lineno or node.lineno,
        bases=bases,
        attributes=tuple(attributes),
        meta=tuple(meta),
        keywords=tuple(Keyword(k.arg, value_of(k.value, reader)) for k in node.keywords if k.arg),
        decorators=tuple(value_of(d, reader) for d in node.decorator_list),
        methods=tuple(methods),
    )


def _attributes(stmt: ast.stmt, reader: QueryReader) -> list[ClassAttribute]:
    if isinstance(stmt, ast.Assign):
        value = value_of(stmt.value, reader)
        return [
            ClassAttribute(t.id, stmt.lineno, value)
            for t in stmt.targets
            if isinstance(t, ast.Name)
        ]
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        target, many = _annotated(stmt.annotation, reader.names)
        value = value_of(stmt.value, reader) if stmt.value is not None else Value(ValueKind.OTHER)
        return [ClassAttribute(stmt.target.id, stmt.lineno, value, target, many)]
    return []


def _annotated(expr: ast.expr, names: Names) -> tuple[str, bool]:
    """``Mapped[list["Tag"]]`` → (qualified ``Tag``, True); ``Author | None`` → Author."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        try:
            return _annotated(ast.parse(expr.value, mode="eval").body, names)
        except SyntaxError:
            return "", False
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.BitOr):
        for side in (expr.left, expr.right):
            if not (isinstance(side, ast.Constant) and side.value is None):
                return _annotated(side, names)
        return "", False
    if isinstance(expr, ast.Subscript):
        head = names.qualify(expr.value).rsplit(".", 1)[-1]
        inner = (
            expr.slice.elts[0]
            if isinstance(expr.slice, ast.Tuple) and expr.slice.elts
            else expr.slice
        )
        if head in _CONTAINERS:
            target, _ = _annotated(inner, names)
            return target, True
        if head in _WRAPPERS:
            return _annotated(inner, names)
        return "", False
    if isinstance(expr, (ast.Name, ast.Attribute)):
        return names.qualify(expr), False
    return "", False


def _admin_registration(call: ast.Call, names: Names) -> tuple[str, str] | None:
    """``admin.site.register(Book, BookAdmin)``."""
    if not names.qualify(call.func).endswith("site.register") or len(call.args) < 2:
        return None
    model, admin = (names.qualify(a) for a in call.args[:2])
    return (model, admin) if model and admin else None


def _settings(tree: ast.Module) -> tuple[str, ...]:
    """The settings this module switches on, however it spells them: a dict literal's key
    (``REST_FRAMEWORK = {...}``), an item assignment (``REST_FRAMEWORK["..."] = ...``)
    or a keyword (``dict(...)``, ``REST_FRAMEWORK.update(...)``), in any module of a
    settings package."""
    found: set[str] = set()
    for node in ast.walk(tree):
        pairs: list[tuple[str | None, ast.expr]] = []
        if isinstance(node, ast.Dict):
            pairs = [
                (string(k) if k is not None else None, v)
                for k, v in zip(node.keys, node.values, strict=True)
            ]
        elif isinstance(node, ast.Assign):
            pairs = [
                (string(t.slice), node.value) for t in node.targets if isinstance(t, ast.Subscript)
            ]
        elif isinstance(node, ast.Call):
            pairs = [(k.arg, k.value) for k in node.keywords]
            if (
                isinstance(node.func, ast.Attribute)
                and node.func.attr == "setdefault"
                and len(node.args) == 2
            ):
                pairs.append((string(node.args[0]), node.args[1]))
        for name, value in pairs:
            if name in _SETTINGS and not (
                isinstance(value, ast.Constant) and value.value in (None, False)
            ):
                found.add(name)
    return tuple(sorted(found))
