"""What a function body does that matters for access control.

Everything here is syntactic and local to one function (nested functions included, so
that a decorator factory's inner wrapper counts for the factory). The repo pass adds
what the function's own dependencies and decorators do.
"""

from __future__ import annotations

import ast
import re

from archguard.core.web import FunctionInfo, Lookup, Ref
from archguard.scan.syntax import Names, dotted, keyword, strings

_DEPENDS = frozenset(
    {
        "fastapi.Depends",
        "fastapi.Security",
        "fastapi.params.Depends",
        "fastapi.params.Security",
        "fastapi.param_functions.Depends",
        "fastapi.param_functions.Security",
    }
)
_ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
_NOT_DEPENDENCIES = re.compile(
    r"^(builtins|typing|typing_extensions|datetime|uuid|decimal|collections)\."
)

_UNAUTHORIZED = re.compile(
    r"401|UNAUTHORI[SZ]ED|Unauthori[sz]ed|NotAuthenticated|AuthenticationFailed|HTTPUnauthorized|InvalidToken"
)
_FORBIDDEN = re.compile(r"403|FORBIDDEN|Forbidden|PermissionDenied|HTTPForbidden")
_TOO_MANY = re.compile(r"429|TOO_MANY_REQUESTS|TooManyRequests|Throttled|RateLimitExceeded")
#: Names that show an account lockout after failed attempts (brute-force protection).
_LOCKOUT = re.compile(
    r"(?i)lock(ed)?_?out|login_attempts|failed_(login_)?attempts|max_(login_)?attempts|"
    r"too_many_attempts"
)
#: A mailed token or key the request hands back (a reset link's second step).
_TOKEN_INPUTS = frozenset({"token", "key", "reset_token", "uid", "uidb64", "uidb36"})
_RESPONDERS = frozenset(
    {
        "HTTPException",
        "abort",
        "Response",
        "JSONResponse",
        "jsonify",
        "make_response",
        "HttpResponse",
        "JsonResponse",
        "HttpResponseForbidden",
        "HTTPUnauthorized",
        "HTTPForbidden",
        "PlainTextResponse",
    }
)
_TOKEN_CALLS = frozenset(
    {
        "verify_jwt_in_request",
        "get_jwt_identity",
        "get_jwt",
        "decode_token",
        "verify_token",
        "decode_access_token",
        "verify_id_token",
        "decode_jwt",
        "validate_token",
        "verify_access_token",
        "authenticate_credentials",
    }
)
_AUTH_ATTRS = frozenset({"is_authenticated", "is_anonymous"})
_ROLE_ATTRS = frozenset(
    {
        "is_admin",
        "is_superuser",
        "is_staff",
        "role",
        "roles",
        "has_perm",
        "has_perms",
        "has_role",
        "has_roles",
        "has_permission",
        "permissions",
        "scopes",
        "groups",
        "is_moderator",
        "user_type",
        "is_manager",
    }
)
_PRIVILEGED_ATTRS = frozenset(
    {
        "role",
        "roles",
        "is_admin",
        "is_superuser",
        "is_staff",
        "permissions",
        "user_permissions",
        "is_moderator",
        "user_type",
    }
)
_PERM_CALLS = frozenset(
    {
        "check_object_permissions",
        "has_object_permission",
        "has_perm",
        "has_perms",
        "authorize",
        "enforce",
        "check_permission",
        "check_permissions",
        "require_permission",
        "user_can",
    }
)
#: Checking a password: the function is a login, not a guard, even when it answers 401.
_CREDENTIAL_CALLS = frozenset(
    {
        "verify_password",
        "check_password",
        "check_password_hash",
        "authenticate",
        "authenticate_user",
        "checkpw",
        "verify_and_update",
    }
)
#: Attributes that name whom an object belongs to.
OWNER_ATTRS = frozenset(
    {
        "owner",
        "owner_id",
        "user",
        "user_id",
        "author",
        "author_id",
        "created_by",
        "created_by_id",
        "tenant",
        "tenant_id",
        "account_id",
        "organization",
        "organization_id",
        "org_id",
        "customer",
        "customer_id",
        "team_id",
        "workspace_id",
    }
)
_LOOKUPS = frozenset(
    {
        "get",
        "get_or_404",
        "first_or_404",
        "one_or_404",
        "get_object_or_404",
        "filter",
        "filter_by",
        "where",
        "find",
        "find_one",
        "find_by_id",
        "get_by_id",
        "aget",
        "afilter",
    }
)
_READS = frozenset(
    {
        "query",
        "execute",
        "scalars",
        "scalar",
        "get",
        "filter",
        "filter_by",
        "select",
        "all",
        "first",
        "get_or_404",
        "first_or_404",
        "exec",
        "raw",
    }
)
_WRITES = frozenset(
    {
        "save",
        "delete",
        "create",
        "update",
        "bulk_create",
        "bulk_update",
        "add",
        "commit",
        "merge",
        "add_all",
        "get_or_create",
        "update_or_create",
        "asave",
        "adelete",
        "acreate",
    }
)
_SESSIONS = frozenset(
    {
        "db",
        "session",
        "db.session",
        "self.session",
        "self.db",
        "Session",
        "async_session",
        "conn",
        "connection",
        "cursor",
    }
)
_REQUEST_DATA = re.compile(
    r"^(self\.)?request\.(args|form|json|values|GET|POST|data|query_params|get_json|query|path_params|match_info)"
)
ID_NAME = re.compile(r"^(id|pk|uuid|slug|.+_(id|pk|uuid))$")
_CURRENT_USER = re.compile(
    r"^(current_user|user|me|g\.user|request\.user|self\.request\.user|request\.state\.user|identity|principal|auth_user|requesting_user|caller)(\.|$)"
)


def is_current_user(expr: ast.AST) -> bool:
    name = dotted(expr)
    if name is None and isinstance(expr, ast.Call):
        name = dotted(expr.func)
        return name is not None and name.split(".")[-1] in {"get_jwt_identity", "get_current_user"}
    return name is not None and bool(_CURRENT_USER.match(name))


def _status_words(call: ast.Call) -> str:
    parts = []
    for arg in (*call.args, *(k.value for k in call.keywords)):
        if isinstance(arg, ast.Constant) and isinstance(arg.value, int):
            parts.append(str(arg.value))
        else:
            name = dotted(arg)
            if name:
                parts.append(name)
    return " ".join(parts)


def _root(expr: ast.AST) -> str:
    """The name a call chain starts from: ``User`` for ``User.objects.filter().delete()``."""
    while True:
        if isinstance(expr, ast.Call):
            expr = expr.func
        elif isinstance(expr, (ast.Attribute, ast.Subscript)):
            expr = expr.value
        else:
            break
    return expr.id if isinstance(expr, ast.Name) else ""


#: Values a role attribute is compared with: ``user.type == "admin"`` checks a role.
_ROLE_VALUES = re.compile(
    r"(?i)^(admin|administrator|superuser|super_admin|superadmin|staff|moderator|owner|"
    r"manager|editor|root|ops|support)$"
)
#: Names under which a module sees the login session.
_SESSION_NAMES = frozenset({"flask.session", "quart.session", "starlette.requests.Request.session"})


class _Body:
    def __init__(self, names: Names, identifiers: set[str]) -> None:
        self.names = names
        self.identifiers = identifiers
        self.words: set[str] = set()
        self.lookups: list[Lookup] = []
        self.calls: list[Ref] = []
        self.returns: list[Ref] = []

    def scan(self, func: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for stmt in func.body:
            self._returns(stmt)
            for node in ast.walk(stmt):
                if isinstance(node, (ast.If, ast.While, ast.IfExp, ast.Assert)):
                    self._tests(node.test)
                elif isinstance(node, ast.Return) and node.value is not None:
                    # ``return is_admin()`` in a predicate, or a permission class's
                    # ``has_permission``: the predicate decides the answer.
                    self._tests(node.value)
                if isinstance(node, ast.Assign):
                    self._assign(node)
                elif isinstance(node, ast.stmt):
                    self._statement_lookups(node)
                    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
                        callee = self.names.qualify(node.value.func)
                        if callee and not callee.startswith("builtins."):
                            self.calls.append(Ref(callee, node.lineno, "call"))
                if isinstance(node, ast.Call):
                    self._call(node)
                elif isinstance(node, ast.Attribute):
                    self._attribute(node)
                elif isinstance(node, ast.Name):
                    if _LOCKOUT.search(node.id):
                        self.words.add("lockout")
                    if node.id == "current_user":
                        self.words.add("user")
                    if "signature" in node.id.lower():
                        self.words.add("signature")
                    if self.names.qualify(node) in _SESSION_NAMES:
                        self.words.add("session")
                elif isinstance(node, ast.Raise):
                    self.words.add("deny")
                    if node.exc is not None:
                        target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                        text = (
                            (dotted(target) or "")
                            + " "
                            + (_status_words(node.exc) if isinstance(node.exc, ast.Call) else "")
                        )
                        self._status(text)
                elif isinstance(node, ast.Assign) and _status_code(node) is not None:
                    # ``resp.status_code = 429`` before returning it.
                    self._status(str(_status_code(node)))
                elif isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple):
                    self._status(
                        " ".join(
                            str(e.value)
                            for e in node.value.elts
                            if isinstance(e, ast.Constant) and isinstance(e.value, int)
                        )
                    )
                elif isinstance(node, ast.Compare):
                    self._compare(node)
                elif (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and "signature" in node.value.lower()
                ):
                    self.words.add("signature")

    def _tests(self, test: ast.expr) -> None:
        """Predicates called in a condition: what they check is judged in the repo pass,
        and counts when this body refuses (``if not is_admin(): abort(403)``)."""
        for node in ast.walk(test):
            if isinstance(node, ast.Call):
                callee = self.names.qualify(node.func)
                if callee and not callee.startswith("builtins."):
                    self.calls.append(Ref(callee, node.lineno, "test"))

    def _returns(self, stmt: ast.stmt) -> None:
        """Functions returned by name, not entering nested definitions: a factory's
        product (``return _get_current_user if required else _optional``)."""
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return
        if isinstance(stmt, ast.Return) and stmt.value is not None:
            values = (
                [stmt.value.body, stmt.value.orelse]
                if isinstance(stmt.value, ast.IfExp)
                else [stmt.value]
            )
            for value in values:
                if isinstance(value, (ast.Name, ast.Attribute)):
                    target = self.names.qualify(value)
                    if target:
                        self.returns.append(Ref(target, stmt.lineno, "return"))
        for child in ast.iter_child_nodes(stmt):
            if isinstance(child, ast.stmt):
                self._returns(child)

    def _status(self, text: str) -> None:
        if _TOO_MANY.search(text):
            self.words.add("throttle")
        if _UNAUTHORIZED.search(text):
            self.words.update(("reject401", "deny"))
        if _FORBIDDEN.search(text):
            self.words.update(("reject403", "deny"))

    def _assign(self, node: ast.Assign) -> None:
        source = dotted(node.value.func) if isinstance(node.value, ast.Call) else dotted(node.value)
        if isinstance(node.value, ast.Subscript):
            source = dotted(node.value.value)
        if source and _REQUEST_DATA.match(source):
            for target in node.targets:
                if isinstance(target, ast.Name) and ID_NAME.match(target.id):
                    self.identifiers.add(target.id)
        for target in node.targets:
            if isinstance(target, ast.Attribute) and target.attr in _PRIVILEGED_ATTRS:
                self.words.add("privileged")
        self._statement_lookups(node)

    def _call(self, node: ast.Call) -> None:
        func = node.func
        qualified = self.names.qualify(func)
        last = (
            qualified.rsplit(".", 1)[-1]
            if qualified
            else (func.attr if isinstance(func, ast.Attribute) else "")
        )
        if last in _RESPONDERS:
            if last == "abort":
                self.words.add("deny")
            self._status(_status_words(node))
        if last in _TOKEN_CALLS or qualified.endswith("jwt.decode") or last == "unauthorized":
            self.words.add("token" if last != "unauthorized" else "reject401")
        if last in {"redirect_to_login", "redirect"} and "login" in ast.dump(node):
            self.words.update(("deny", "login-redirect"))
        if last == "get" and isinstance(func, ast.Attribute) and self._is_session(func.value):
            self.words.add("session")
        if last in _CREDENTIAL_CALLS or qualified.endswith("context.verify"):
            self.words.add("credentials")
        if last in _PERM_CALLS:
            self.words.add("perm")
        if last in {"compare_digest", "construct_event", "verify_signature", "verify_webhook"}:
            self.words.add("signature")
        if isinstance(func, ast.Attribute):
            base = dotted(func.value) or ""
            if base in _SESSIONS or base.endswith((".objects", ".query")) or ".objects." in base:
                if func.attr in _READS:
                    self.words.add("db-read")
                if func.attr in _WRITES:
                    self.words.add("db-write")
            elif func.attr in {"save", "delete", "asave", "adelete"} and not node.args:
                self.words.add("db-write")
            if func.attr in {"delete", "adelete"}:
                # Deleting other users' accounts; deleting one's own is not privileged.
                receiver = _root(func.value).lower()
                first = node.args[0] if node.args else None
                first_name = (dotted(first) or "") if first is not None else ""
                if ("user" in receiver and not is_current_user(func.value)) or (
                    "user" in first_name.lower()
                    and base in _SESSIONS
                    and first is not None
                    and not is_current_user(first)
                ):
                    self.words.add("privileged")

    def _is_session(self, expr: ast.expr) -> bool:
        name = dotted(expr) or ""
        return self.names.qualify(expr) in _SESSION_NAMES or name.endswith("request.session")

    def _attribute(self, node: ast.Attribute) -> None:
        if _LOCKOUT.search(node.attr):
            self.words.add("lockout")
        if node.attr in _TOKEN_INPUTS and isinstance(node.ctx, ast.Load):
            self.words.add("token-input")
        if node.attr == "session" and (dotted(node) or "").endswith("request.session"):
            self.words.add("session")
        if node.attr in _AUTH_ATTRS:
            self.words.add("auth-attr")
        if node.attr in _ROLE_ATTRS or node.attr.startswith("can_"):
            self.words.add("role-attr")
        if node.attr == "objects" or node.attr == "query":
            self.words.add("db-read")
        if is_current_user(node):
            self.words.add("user")
        if "signature" in node.attr.lower():
            self.words.add("signature")

    def _compare(self, node: ast.Compare) -> None:
        sides = [node.left, *node.comparators]
        owner = any(
            isinstance(n, ast.Attribute) and n.attr in OWNER_ATTRS
            for s in sides
            for n in ast.walk(s)
        )
        if any("password" in (dotted(n) or "").lower() for s in sides for n in ast.walk(s)):
            self.words.add("credentials")
        user = any(is_current_user(n) for s in sides for n in ast.walk(s))
        if owner and user:
            self.words.add("owner")
        attribute = any(isinstance(s, (ast.Attribute, ast.Subscript)) for s in sides)
        if attribute and any(
            isinstance(s, ast.Constant) and isinstance(s.value, str) and _ROLE_VALUES.match(s.value)
            for s in sides
        ):
            self.words.add("role-attr")

    def _statement_lookups(self, stmt: ast.stmt) -> None:
        """Lookups by a request identifier in one statement, and whether the same
        statement constrains them by the current user."""
        if not self.identifiers:
            return  # most functions take no identifier from the request
        value = getattr(stmt, "value", None) or getattr(stmt, "test", None)
        if not isinstance(value, ast.AST):
            return
        used = self._looked_up(value)
        if not used:
            return
        scoped = _scoped(value)
        for name in sorted(used):
            self.lookups.append(Lookup(stmt.lineno, name, scoped))

    def _looked_up(self, expr: ast.AST) -> set[str]:
        found: set[str] = set()
        for node in ast.walk(expr):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = (
                func.attr
                if isinstance(func, ast.Attribute)
                else (func.id if isinstance(func, ast.Name) else "")
            )
            if name not in _LOOKUPS:
                continue
            receiver = dotted(func.value) if isinstance(func, ast.Attribute) else ""
            if receiver and _REQUEST_DATA.match(receiver + "."):
                continue
            if receiver and (
                receiver.startswith("request") or receiver in {"os.environ", "settings"}
            ):
                continue
            for arg in (*node.args, *(k.value for k in node.keywords)):
                for inner in ast.walk(arg):
                    if isinstance(inner, ast.Name) and inner.id in self.identifiers:
                        found.add(inner.id)
        return found

    def signals(self) -> frozenset[str]:
        w = self.words
        out: set[str] = {
            s
            for s in (
                "owner",
                "perm",
                "user",
                "db-read",
                "db-write",
                "privileged",
                "signature",
                "deny",
                "auth-attr",
                "role-attr",
                "token",
                "session",
                "login-redirect",
                "throttle",
                "lockout",
                "token-input",
            )
            if s in w
        }
        refuses = bool(w & {"reject401", "reject403", "login-redirect"})
        if "credentials" in w:
            out.add("credentials")
        elif (
            "reject401" in w
            or ({"auth-attr", "deny"} <= w)
            or ({"token", "deny"} <= w)
            or ({"reject403", "user"} <= w)
            or ("session" in w and refuses)
        ):
            out.add("authn")
        # Refusing with 403 after reading the user is not yet a role check: a token
        # dependency answers 403 for a bad token too. A role attribute or value is.
        if {"role-attr", "deny"} <= w:
            out.add("role")
        return frozenset(out)


def _status_code(node: ast.Assign) -> int | None:
    """The code of ``response.status_code = 403``."""
    value = node.value
    if not (isinstance(value, ast.Constant) and type(value.value) is int):
        return None
    named = any(
        isinstance(t, ast.Attribute) and t.attr in ("status_code", "status") for t in node.targets
    )
    return value.value if named else None


def _scoped(expr: ast.AST) -> bool:
    for node in ast.walk(expr):
        if (
            isinstance(node, ast.keyword)
            and node.arg
            and (node.arg in OWNER_ATTRS or node.arg.split("__")[0] in OWNER_ATTRS)
        ):
            return True
        if isinstance(node, ast.Compare) and any(
            isinstance(n, ast.Attribute) and n.attr in OWNER_ATTRS
            for side in (node.left, *node.comparators)
            for n in ast.walk(side)
        ):
            return True
        if isinstance(node, (ast.Attribute, ast.Name)) and is_current_user(node):
            return True
    return False


def _dependency_refs(names: Names, param: ast.arg, default: ast.expr | None) -> list[Ref]:
    refs: list[Ref] = []
    annotation = param.annotation

    def from_call(call: ast.Call, fallback: ast.expr | None) -> None:
        target = call.args[0] if call.args else keyword(call, "dependency")
        scopes = keyword(call, "scopes")
        if target is None and fallback is not None:
            target = fallback
        if target is None:
            return
        ref = names.ref(target, "dependency")
        if scopes is not None:
            ref = Ref(
                ref.target,
                ref.line,
                ref.how,
                ref.args + tuple(f"scope:{s}" for s in strings(scopes)),
                ref.called,
            )
        refs.append(ref)

    if isinstance(default, ast.Call) and names.qualify(default.func) in _DEPENDS:
        from_call(default, annotation)
    if isinstance(annotation, ast.Subscript) and names.qualify(annotation.value) in _ANNOTATED:
        items = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else []
        for item in items[1:]:
            if isinstance(item, ast.Call) and names.qualify(item.func) in _DEPENDS:
                from_call(item, items[0] if items else None)
    elif isinstance(annotation, (ast.Name, ast.Attribute)):
        target = names.qualify(annotation)
        if target and not _NOT_DEPENDENCIES.match(target):
            refs.append(Ref(target, annotation.lineno, "annotation"))
    return refs


def function_info(
    names: Names,
    func: ast.FunctionDef | ast.AsyncFunctionDef,
    qualname: str,
    decorators: tuple[Ref, ...],
) -> FunctionInfo:
    args = func.args
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(
        args.defaults
    )
    params: list[tuple[ast.arg, ast.expr | None]] = list(zip(positional, defaults, strict=True))
    params += list(zip(args.kwonlyargs, args.kw_defaults, strict=True))
    dependencies: list[Ref] = []
    for param, default in params:
        dependencies.extend(_dependency_refs(names, param, default))
    param_names = tuple(p.arg for p, _ in params)
    body = _Body(names, {p for p in param_names if ID_NAME.match(p)})
    if _TOKEN_INPUTS & set(param_names):
        body.words.add("token-input")
    body.scan(func)
    return FunctionInfo(
        name=qualname,
        line=func.lineno,
        params=param_names,
        decorators=decorators,
        dependencies=tuple(dependencies),
        signals=body.signals(),
        lookups=tuple(sorted(set(body.lookups))),
        calls=tuple(sorted(set(body.calls))),
        returns=tuple(sorted(set(body.returns))),
    )
