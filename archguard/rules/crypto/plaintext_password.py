"""AG506 plaintext-password."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from archguard.core.fingerprint import normalize_snippet
from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.rules.crypto._flow import (
    FileIndex,
    Origin,
    Scope,
    argument_for,
    literal_text,
    position,
    positional_params,
    simple_statement,
)
from archguard.rules.crypto._passwords import password_tracer
from archguard.rules.crypto._passwords import settings_value as _settings
from archguard.rules.crypto._words import words
from archguard.scan.file_rule import FileRule
from archguard.scan.syntax import dotted, keyword

#: Words of a field that stores a password, or its hash.
_PASSWORD_NOUNS = frozenset({"password", "passwd", "pwd", "passphrase", "pw"})
_HASH_WORDS = frozenset({"hash", "hashed", "digest", "encrypted", "crypted", "salted", "enc"})
#: Words that make a password field something else (``password_reset_at``).
_OTHER_FIELD = frozenset(
    {"reset", "forget", "forgot", "token", "length", "len", "policy", "changed", "change",
     "expires", "expiry", "expired", "expiration", "at", "date", "time", "url", "link",
     "label", "hint", "min", "max", "strength", "rules", "validator", "required", "count",
     "attempts", "history", "manager", "context", "hasher", "file", "form", "set", "is",
     "has", "needs", "must", "enabled", "method", "type", "mode", "confirm", "confirmation",
     "again", "repeat", "retype", "old", "current", "check", "verify", "field", "widget",
     "salt", "algorithm", "iterations", "version", "updated", "last", "age", "error"}
)  # fmt: skip
#: Classes that carry the password the user typed on purpose: forms, schemas, DTOs,
#: commands, and clients for other services.
_CARRIER = re.compile(
    r"(Form|Schema|Serializer|In|Input|Create|Update|Request|Login|Credentials|Payload|"
    r"Body|Info|Data|DTO|Dto|Params|Args|Command|Event|Message|Config|Settings|Options|"
    r"Auth|Client|Connection|Connector|Session|Args|Base|Change|Reset|Signup|SignUp|"
    r"Register|Registration|Validator|Checker|Hasher|Context|Prompt|Field|Test\w*)$"
)
#: Objects that hold the application's own credentials for other services.
_OUTBOUND = frozenset(
    {"smtp", "mail", "mailer", "email", "conn", "connection", "client", "db", "database",
     "config", "conf", "cfg", "settings", "options", "opts", "proxy", "ldap", "ftp", "ssh",
     "redis", "broker", "auth", "engine", "dsn", "url", "uri", "server", "imap", "pop",
     "vpn", "wifi", "bind", "service", "api", "kwargs", "params", "payload", "body",
     "request", "req", "form", "data", "headers", "args", "parser", "env", "environ"}
)  # fmt: skip
#: Calls that hash or check a password: their presence in a file says what the file
#: expects of the stored value.
_HASHERS = re.compile(
    r"(?i)(generate_password_hash|make_password|hashpw|get_password_hash|hash_password|"
    r"password_hash|hash_pw|hashpassword|encrypt_password|\.hash$|\.encrypt$|set_password|"
    r"argon2|bcrypt|pbkdf2|scrypt)"
)
_VERIFIERS = re.compile(
    r"(?i)(check_password_hash|check_password|verify_password|checkpw|\.verify$|"
    r"verify_hash|is_correct_password|password_matches|authenticate)"
)
_WRITE_METHODS = frozenset(
    {"insert_one", "insert_many", "insert", "update_one", "update_many", "replace_one",
     "find_one_and_update", "put_item", "hset", "hmset"}
)  # fmt: skip
_SQL_INSERT = re.compile(r"(?is)\binsert\s+(?:or\s+\w+\s+)?into\b")
_SQL_UPDATE = re.compile(r"(?is)\bupdate\s+[\w.\"`\[\]]+\s+set\b")
_SQL_WHERE_PASSWORD = re.compile(
    r"(?is)\bwhere\b.*\b\w*(password|passwd|pwd)\w*\s*(=|like)\s*(\?|%s|:\w+|%\(\w+\)s|\$\d+|')"
)
_SQL_PASSWORD_COLUMN = re.compile(r"(?i)\b\w*(password|passwd|pwd)\w*\b")
_CONSTANT_TIME = frozenset(
    {"hmac.compare_digest", "secrets.compare_digest", "werkzeug.security.safe_str_cmp",
     "werkzeug.safe_str_cmp", "django.utils.crypto.constant_time_compare"}
)  # fmt: skip
_LOOKUPS = frozenset({"filter_by", "filter", "get", "get_or_none", "exclude", "where"})
#: Libraries whose classes take a password for their own connection, not a user's.
_LIBRARIES = frozenset(
    {"smtplib", "imaplib", "poplib", "ftplib", "ldap3", "ldap", "paramiko", "pymysql",
     "psycopg2", "psycopg", "mysql", "MySQLdb", "redis", "requests", "httpx", "aiohttp",
     "boto3", "botocore", "pika", "kombu", "celery", "asyncpg", "aiomysql", "motor",
     "pymongo", "fabric", "netmiko", "pysftp", "smbclient", "telnetlib", "docker",
     "kubernetes", "hvac", "keyring", "sqlalchemy", "aioredis", "elasticsearch", "pysnmp",
     "winrm", "pywinrm", "exchangelib", "O365", "jenkins", "gitlab", "github", "jira"}
)  # fmt: skip
_REQUEST_WORDS = frozenset(
    {"request", "req", "form", "data", "payload", "body", "json", "args", "params",
     "credentials", "creds", "schema", "serializer", "input", "signup", "login"}
)  # fmt: skip
_CONFIG_WORDS = frozenset(
    {"config", "conf", "cfg", "env", "getenv", "environ", "setting", "settings", "secret",
     "secrets", "vault", "option", "options"}
)  # fmt: skip
_DB_STORES = frozenset(
    {"users", "user", "accounts", "account", "db", "database", "store", "storage"}
)


def password_field(name: str) -> bool:
    """A field that stores a password or its hash: ``password``, ``pwd``,
    ``hashed_password``, ``passwordHash``; not ``password_reset_at``."""
    parts = words(name)
    return any(p in _PASSWORD_NOUNS for p in parts) and not any(p in _OTHER_FIELD for p in parts)


def hash_field(name: str) -> bool:
    return password_field(name) and any(p in _HASH_WORDS for p in words(name))


@dataclass
class _Candidate:
    node: ast.AST
    shape: str
    message: str
    #: Only a finding when the file shows how its passwords are meant to be stored.
    needs_evidence: bool = False
    confidence: Confidence = Confidence.HIGH


class PlaintextPassword(FileRule):
    """
    ## What it does
    Finds passwords that are stored or checked as the user typed them:
    - a raw password (request data, a form field, a parameter named like one) assigned
      to a model's password field, passed to a model's constructor, `objects.create`,
      a queryset's `update`, a document store's `insert_one`, or written by an SQL
      `INSERT` / `UPDATE`;
    - a stored password compared with `==` or `!=` (also with
      `hmac.compare_digest`), a submitted password compared with a stored value, and a
      password looked up in the database (`filter_by(password=...)`,
      `WHERE password = ?`).

    A raw password stored in a field named as a hash (`hashed_password=`) is always
    reported. A plain `password` field can be a property that hashes on assignment
    (`@password.setter`, `@validates("password")`), which is often defined in another
    module; such stores are reported when the file shows how its passwords are kept:
    Django (whose password field holds hashes), a model in the same file with a plain
    password column, passwords compared in plain text, or hashed explicitly elsewhere
    in the file. A setter or validator that hashes, in the same file, keeps them silent.
    Passwords hashed with a fast hash (MD5, SHA-256) are reported by `weak-crypto`,
    which names this rule's aspect as related information.

    ## Why is this bad?
    When the database leaks (a backup, an SQL injection, a stolen laptop), plain
    passwords are read at once and reused against the users' other accounts. Comparing
    with `==` also leaks the password's prefix through timing, and a lookup by password
    shows the column holds it in the clear.

    ## Example
    ```python
    @app.post("/register")
    def register():
        user = User(email=request.json["email"], hashed_password=request.json["password"])
        db.session.add(user)
        db.session.commit()
    ```

    ## Use instead
    ```python
    from werkzeug.security import generate_password_hash

    @app.post("/register")
    def register():
        user = User(
            email=request.json["email"],
            hashed_password=generate_password_hash(request.json["password"]),
        )
        db.session.add(user)
        db.session.commit()
    ```

    ## References
    - [OWASP: Password Storage Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html)
    - [Django: password management](https://docs.djangoproject.com/en/stable/topics/auth/passwords/)
    - [CWE-256](https://cwe.mitre.org/data/definitions/256.html), [CWE-916](https://cwe.mitre.org/data/definitions/916.html)
    """

    meta = RuleMeta(
        id="AG506",
        name="plaintext-password",
        category=Category.PLAINTEXT_PASSWORD,
        severity=Severity.ERROR,
        confidence=Confidence.HIGH,
        summary="Passwords stored, compared or looked up in plain text instead of as a slow salted hash.",
        cwe=(256, 916),
        tags=frozenset({"security", "authentication"}),
        security_severity=8.2,
    )
    TRIGGERS = (rb"[Pp]assw|PASSW|[Pp]wd|PWD",)

    VALID = (
        Valid(
            """
            from flask import request
            from werkzeug.security import generate_password_hash

            def register():
                data = request.get_json()
                user = User(email=data["email"], password_hash=generate_password_hash(data["password"]))
                db.session.add(user)
            """,
            label="hashed before it is stored",
        ),
        Valid(
            """
            from app.auth import verify_password

            def reset_password(user, form):
                if not verify_password(form.old_password.data, user.password):
                    return False
                user.password = form.new_password.data
                return True
            """,
            label="the model hashes on assignment (it is verified with a hash elsewhere)",
        ),
        Valid(
            """
            from sqlalchemy.orm import validates
            from werkzeug.security import generate_password_hash

            class User(db.Model):
                password = db.Column(db.String(255))

                @validates("password")
                def hash_it(self, key, value):
                    return generate_password_hash(value)

            def signup(form):
                db.session.add(User(email=form.email.data, password=form.password.data))
            """,
            label="a validator in the same file hashes the field",
        ),
        Valid(
            """
            class Mailer:
                def __init__(self, host, user, password):
                    self.host = host
                    self.password = password

            def configure(options, settings):
                options.password = settings.SMTP_PASSWORD
            """,
            label="outbound credentials",
        ),
        Valid(
            """
            def is_ldap_user(user):
                return user.password == "LDAP"

            def passwords_match(form):
                return form.password.data == form.password_confirm.data
            """,
            label="a sentinel and a confirmation check",
        ),
    )
    INVALID = (
        Invalid(
            """
            from fastapi import APIRouter

            def create_user(session, user_in):
                user = User(email=user_in.email, hashed_password=user_in.password)
                session.add(user)
            """,
            line=4,
            message="hashed_password",
        ),
        Invalid(
            """
            from django.http import HttpResponse

            def change_password(request, user):
                user.password = request.POST["password"]
                user.save()
            """,
            line=4,
        ),
        Invalid(
            """
            from flask import request

            def login():
                user = User.query.filter_by(email=request.form["email"]).first()
                if user is None or user.password != request.form["password"]:
                    return "no", 401
                return "ok"
            """,
            line=5,
            message="compared",
        ),
        Invalid(
            """
            from flask import request

            def login():
                user = User.query.filter_by(
                    username=request.form["username"], password=request.form["password"]
                ).first()
                return "ok" if user else "no"
            """,
            line=4,
            message="looked up",
        ),
        Invalid(
            """
            from flask import request

            def create_user(db, username, password):
                db.execute("INSERT INTO users (username, password) VALUES (?, ?)", (username, password))

            def register():
                create_user(get_db(), request.form["username"], request.form["password"])
            """,
            line=4,
            message="INSERT",
            label="a helper whose callers in the file pass the password typed",
        ),
        Invalid(
            """
            from flask import request

            def login(sqli):
                values = sqli.getUser(request.form["username"])
                if values and values[0][2] == request.form["password"]:
                    return "welcome"
                return "no"
            """,
            line=5,
            label="a stored value compared with the submitted password",
        ),
    )

    def visit_Module(self, node: ast.Module) -> None:
        names = self.ctx.names
        self.index = FileIndex.of(node)
        self.parents = self.index.parents
        self.passwords = password_tracer(self.index, names)
        self.evidence: dict[str, None] = {}
        self._survey(node)
        candidates: list[_Candidate] = []
        for item in self.index.all(ast.Assign, ast.AnnAssign, ast.Call, ast.Compare):
            if isinstance(item, (ast.Assign, ast.AnnAssign)):
                candidates.extend(self._stores(item))
            elif isinstance(item, ast.Call):
                candidates.extend(self._call(item))
            elif isinstance(item, ast.Compare):
                candidates.extend(self._compare(item))
        if any(not c.needs_evidence and c.shape == "password-compared-plainly" for c in candidates):
            self.evidence["this file compares passwords in plain text"] = None
        done: set[int] = set()
        hashing_setter = _SETTER in self.evidence
        for candidate in sorted(candidates, key=lambda c: position(c.node)):
            if candidate.needs_evidence and (hashing_setter or not _strongest(self.evidence)):
                continue
            at = simple_statement(candidate.node, self.parents)
            if id(at) in done:
                continue
            done.add(id(at))
            why = ""
            if candidate.needs_evidence:
                why = f" ({_strongest(self.evidence)})"
            first_line = self.ctx.code(at).split("\n", 1)[0]
            self.report(
                at,
                candidate.message + why,
                symbol=f"{candidate.shape}\0{normalize_snippet(first_line)}",
                shape=candidate.shape,
                confidence=Confidence.MEDIUM if candidate.needs_evidence else candidate.confidence,
                fix="Store a slow salted hash: user.set_password(raw) in Django, "
                "werkzeug.security.generate_password_hash, passlib's CryptContext "
                '(schemes=["bcrypt"]) or argon2-cffi; verify with the matching check function.',
            )

    # --- what the file says about its passwords ------------------------------------

    def _survey(self, tree: ast.Module) -> None:
        names = self.ctx.names
        if names.imports_from("django"):
            self.evidence["Django's password field holds hashes"] = None
        for node in self.index.all(ast.ClassDef, ast.Call):
            if isinstance(node, ast.ClassDef):
                self._model(node)
            elif isinstance(node, ast.Call):
                callee = names.resolve(node.func) or dotted(node.func) or ""
                if _HASHERS.search(callee) and any(
                    self._is_raw(a) for a in (*node.args, *(k.value for k in node.keywords))
                ):
                    self.evidence["this file hashes passwords elsewhere"] = None

    def _model(self, node: ast.ClassDef) -> None:
        plain = False
        for item in node.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                decorators = [
                    dotted(d.func if isinstance(d, ast.Call) else d) or ""
                    for d in item.decorator_list
                ]
                validated = [
                    literal_text(a)
                    for d in item.decorator_list
                    if isinstance(d, ast.Call) and (dotted(d.func) or "").endswith("validates")
                    for a in d.args
                ]
                if (
                    any(
                        d.endswith(".setter") and password_field(d.split(".")[0])
                        for d in decorators
                    )
                    or any(v is not None and password_field(v) for v in validated)
                    or (item.name in ("set_password", "_set_password", "__setattr__"))
                ):
                    self.evidence[_SETTER] = None
            elif isinstance(item, (ast.Assign, ast.AnnAssign)):
                targets = item.targets if isinstance(item, ast.Assign) else [item.target]
                for target in targets:
                    if (
                        isinstance(target, ast.Name)
                        and password_field(target.id)
                        and not hash_field(target.id)
                        and _column(item.value)
                    ):
                        plain = True
        if plain:
            self.evidence[f"`{node.name}` has a plain password column"] = None

    # --- stores ----------------------------------------------------------------------

    def _typed(self, expr: ast.expr) -> str | None:
        """How a value is known to be a raw password (see ``_proof``), or None when it
        is not one (or is known to be hashed by this file's callers)."""
        raw = self._raw(expr)
        if raw is None:
            return None
        proof = self._proof(raw)
        return None if proof == "hashed" else proof

    def _weakest(self, values: list[ast.expr]) -> str | None:
        """Of several values, the best proof that one is a raw password."""
        proofs = {self._typed(v) for v in values} - {None}
        for proof in ("request", "raw", "other", "unknown"):
            if proof in proofs:
                return proof
        return None

    def _stores(self, node: ast.Assign | ast.AnnAssign) -> list[_Candidate]:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if node.value is None:
            return []
        found = []
        for target in targets:
            if isinstance(target, ast.Attribute) and password_field(target.attr):
                if _outbound(target.value) or self._own_param(target, node.value):
                    continue
                proof = self._typed(node.value)
                hashed_field = hash_field(target.attr)
                # Only the model's own password field can be a hashing property; other
                # ``*_password`` attributes are contexts and configs keeping a copy.
                if proof is None or not (hashed_field or _canonical(target.attr)):
                    continue
                found.append(
                    _Candidate(
                        node,
                        "password-stored-unhashed",
                        f"A password is stored in `{target.attr}` as it was received.",
                        needs_evidence=not hashed_field or proof == "unknown",
                    )
                )
            elif isinstance(target, ast.Subscript) and _db_store(target.value):
                value = node.value
                stored = _dict_password(value) if isinstance(value, ast.Dict) else value
                proof = self._typed(stored) if stored is not None else None
                if proof is not None:
                    found.append(
                        _Candidate(
                            node,
                            "password-stored-unhashed",
                            "A password is stored as it was received.",
                            needs_evidence=proof == "unknown",
                        )
                    )
        return found

    def _call(self, call: ast.Call) -> list[_Candidate]:
        func = call.func
        method = func.attr if isinstance(func, ast.Attribute) else ""
        found: list[_Candidate] = []
        if method in ("execute", "executemany", "exec_driver_sql", "raw", "executescript"):
            found.extend(self._sql(call))
        lookups: list[ast.expr] = []
        if method in _LOOKUPS and (_objects(func) or _query(func) or method == "filter_by"):
            lookups = [
                kw.value
                for kw in call.keywords
                if kw.arg is not None and password_field(kw.arg.split("__")[0])
            ]
        if method in ("find_one", "find") and call.args and isinstance(call.args[0], ast.Dict):
            stored = _dict_password(call.args[0])
            lookups += [stored] if stored is not None else []
        proof = self._weakest(lookups)
        if proof is not None:
            # Matching a password in a query means the column holds it as it is (or as
            # an unsalted hash): that needs no other evidence.
            found.append(
                _Candidate(
                    call,
                    "password-compared-plainly",
                    "A user is looked up by the password they typed, so passwords are "
                    "stored in plain text.",
                    confidence=Confidence.MEDIUM if proof == "unknown" else Confidence.HIGH,
                )
            )
        if method in _WRITE_METHODS:
            written = [
                stored
                for arg in (*call.args, *(kw.value for kw in call.keywords))
                for inner in ast.walk(arg)
                if isinstance(inner, ast.Dict)
                for stored in [_dict_password(inner)]
                if stored is not None
            ]
            proof = self._weakest(written)
            if proof is not None:
                found.append(
                    _Candidate(
                        call,
                        "password-stored-unhashed",
                        "A password is written to the database as it was received.",
                        needs_evidence=proof == "unknown",
                    )
                )
        if names_compare_digest(call, self):
            found.append(
                _Candidate(
                    call,
                    "password-compared-plainly",
                    "A stored password is compared with the one typed, so it is stored in "
                    "plain text.",
                )
            )
        found.extend(self._constructor(call))
        return found

    def _constructor(self, call: ast.Call) -> list[_Candidate]:
        """``User(password=raw)``, ``User.objects.create(password=raw)``, a queryset's
        ``update(password=raw)``, ``update(User).values(password=raw)``, and peewee's
        or Tortoise's ``User.create(password=raw)``."""
        func = call.func
        if isinstance(func, ast.Attribute):
            last = func.attr
            receiver = (dotted(func.value) or "").rsplit(".", 1)[-1]
        else:
            last, receiver = getattr(func, "id", ""), ""
        django = _objects(func)
        if last in ("create", "get_or_create", "update_or_create", "update", "values"):
            on_model = receiver[:1].isupper()
            if not (django or _query(func) or (on_model and last == "create")):
                return []
        elif (
            not last[:1].isupper()
            or _CARRIER.search(last)
            or (self.ctx.names.resolve(func) or "").split(".", 1)[0] in _LIBRARIES
        ):
            return []
        found = []
        passed = [(kw.arg, kw.value) for kw in call.keywords if kw.arg is not None]
        init = self.index.methods.get((last, "__init__"))
        if init is not None and isinstance(func, ast.Name):
            for param in positional_params(init)[1:]:
                value = argument_for(call, init, param, bound=True)
                if value is not None and all(value is not v for _, v in passed):
                    passed.append((param, value))
        for field, value in passed:
            if not password_field(field):
                continue
            proof = self._typed(value)
            hashed_field = hash_field(field)
            if proof is None or not (hashed_field or _canonical(field)):
                continue
            found.append(
                _Candidate(
                    call,
                    "password-stored-unhashed",
                    f"A password is stored in `{field}` as it was received.",
                    needs_evidence=not (hashed_field or django) or proof == "unknown",
                )
            )
        return found

    def _sql(self, call: ast.Call) -> list[_Candidate]:
        if not call.args:
            return []
        scope = self.index.scope_of(call)
        query = call.args[0]
        text, interpolated = _sql_text(query, scope)
        if not text or not _SQL_PASSWORD_COLUMN.search(text):
            return []
        params = call.args[1] if len(call.args) > 1 else keyword(call, "parameters")
        values: list[ast.expr] = list(interpolated)
        if params is not None:
            values.extend(_param_values(params, scope))
        proof = self._weakest(values)
        if proof is None:
            return []
        needs_evidence = proof == "unknown"
        if _SQL_INSERT.search(text) or _SQL_UPDATE.search(text):
            return [
                _Candidate(
                    call,
                    "password-stored-unhashed",
                    "An SQL INSERT or UPDATE writes the password as it was received.",
                    needs_evidence=needs_evidence,
                )
            ]
        if _SQL_WHERE_PASSWORD.search(text):
            return [
                _Candidate(
                    call,
                    "password-compared-plainly",
                    "An SQL query matches the password column against the password typed, "
                    "so passwords are stored in plain text.",
                    confidence=Confidence.MEDIUM if needs_evidence else Confidence.HIGH,
                )
            ]
        return []

    # --- comparisons -----------------------------------------------------------------

    def _compare(self, node: ast.Compare) -> list[_Candidate]:
        if len(node.ops) != 1 or not isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
            return []
        left, right = node.left, node.comparators[0]
        for stored, typed in ((left, right), (right, left)):
            if _literal(typed) or _literal(stored) or self._configured(stored):
                continue
            raw = self._raw(typed)
            if raw is None or self._stored_password(typed):
                continue
            proof = self._proof(raw)
            if proof == "hashed":
                continue
            if self._stored_password(stored):
                return [
                    _Candidate(
                        node,
                        "password-compared-plainly",
                        "A stored password is compared with ==, so it is stored in plain text "
                        "(and the comparison leaks timing).",
                        confidence=Confidence.MEDIUM if proof == "unknown" else Confidence.HIGH,
                    )
                ]
            if (
                proof == "request"
                and not self._request_side(stored)
                and self._raw(stored) is None
                and not isinstance(stored, ast.Call)
            ):
                return [
                    _Candidate(
                        node,
                        "password-compared-plainly",
                        "The password typed is compared with a stored value, so passwords "
                        "are stored in plain text.",
                    )
                ]
        return []

    def _configured(self, expr: ast.expr) -> bool:
        """A value from the application's configuration or environment: an operator's
        credential, not users' stored passwords."""
        for _ in range(4):
            if isinstance(expr, ast.Name):
                binding = self.index.binding(expr)
                if binding is None or binding.value is None:
                    return expr.id.isupper()
                expr = binding.value
                continue
            break
        if isinstance(expr, (ast.Attribute, ast.Subscript)) and _settings(expr, self.ctx.names):
            return True
        if isinstance(expr, ast.Call):
            callee = set(words(dotted(expr.func) or ""))
            return bool(callee & _CONFIG_WORDS) or _settings(expr, self.ctx.names)
        return False

    def _proof(self, origin: Origin) -> str:
        """How sure it is that a raw-looking value is what a user typed: "request" (read
        from the request), "raw" (a parameter that this file's callers fill from the
        request), "hashed" (one they fill with something else), "unknown" (a
        parameter with no caller in this file), or "other"."""
        node = origin.node
        if self._request_side(node):
            return "request"
        if not isinstance(node, ast.Name):
            return "other"
        scope = self.index.scope_of(node)
        binding = scope.lookup(node.id, position(node))
        function = scope.function
        if binding is None or binding.kind != "param" or function is None:
            return "other"
        passed = [
            argument_for(call, function, node.id) for _, call in self.index.call_sites(function)
        ]
        verdicts = [self._request_password(arg) for arg in passed if arg is not None]
        if any(verdicts):
            return "raw"
        return "hashed" if verdicts else "unknown"

    def _stored_password(self, expr: ast.expr) -> bool:
        """``user.password``, ``row["password"]``, ``account.password_hash``: a stored
        field, not a form's or request's."""
        if isinstance(expr, ast.Attribute) and password_field(expr.attr):
            base: ast.expr = expr.value
        elif isinstance(expr, ast.Subscript) and password_field(literal_text(expr.slice) or ""):
            base = expr.value
        else:
            return False
        if isinstance(base, ast.Name) and base.id in ("self", "cls"):
            return False
        return not self._request_side(base) and not _outbound(base)

    def _request_password(self, expr: ast.expr) -> bool:
        """A password read straight from the request (also through a local name)."""
        origin = self.passwords.origin(expr)
        return origin is not None and self._request_side(origin.node)

    def _request_side(self, expr: ast.AST) -> bool:
        """The request, a form or a payload: what the client sent (also through local
        names bound to it)."""
        for _ in range(4):
            head = expr
            while isinstance(head, (ast.Attribute, ast.Subscript, ast.Call)):
                head = head.func if isinstance(head, ast.Call) else head.value
            if not isinstance(head, ast.Name):
                return False
            if head.id in ("request", "req") and head is not expr:
                return True
            parts = set(words(head.id))
            if parts & _REQUEST_WORDS or head.id.endswith("_in"):
                return True
            binding = self.index.binding(head)
            if binding is None or binding.value is None or binding.kind == "param":
                return False
            expr = binding.value
        return False

    # --- raw values ------------------------------------------------------------------

    def _raw(self, expr: ast.expr) -> Origin | None:
        """The raw password this value is, or None: a literal, ``None``, a hash, a
        config value or a field copied from another stored record is not one."""
        if _literal(expr):
            return None
        origin = self.passwords.origin(expr)
        if origin is None:
            return None
        node = origin.node
        if isinstance(node, (ast.Attribute, ast.Subscript)) and self._stored_password(node):
            return None  # a copy of another record's stored value
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            # ``existing.password`` of a record loaded from the database is a copy of
            # what is stored already, not what a user typed.
            binding = self.index.binding(node.value)
            value = binding.value if binding is not None else None
            if isinstance(value, ast.Call) and not self._request_side(value):
                return None
        return origin

    def _is_raw(self, expr: ast.expr) -> bool:
        return self._raw(expr) is not None

    def _own_param(self, target: ast.Attribute, value: ast.expr) -> bool:
        """``self.password = password`` in a method: the class keeps what its caller
        gives it; whether that is a hash is the caller's business."""
        if not (isinstance(target.value, ast.Name) and target.value.id in ("self", "cls")):
            return False
        origin = self.passwords.origin(value)
        if origin is None or not isinstance(origin.node, ast.Name):
            return False
        binding = self.index.binding(origin.node)
        return binding is not None and binding.kind == "param"


_SETTER = "a setter or validator hashes the field"


def _strongest(evidence: dict[str, None]) -> str:
    """The reason to show: a plain column, then plain comparisons, then the rest."""
    ranked = sorted(
        (e for e in evidence if e != _SETTER),
        key=lambda e: (not e.endswith("plain password column"), "compares" not in e, e),
    )
    return ranked[0] if ranked else ""


def names_compare_digest(call: ast.Call, rule: PlaintextPassword) -> bool:
    """A constant-time comparison of a stored password with the one typed
    (``safe_str_cmp(user.password.encode(), password.encode())``): safe from timing,
    but the password is still stored as it is."""
    qualified = rule.ctx.names.resolve(call.func) or ""
    if qualified not in _CONSTANT_TIME or len(call.args) != 2:
        return False
    first, second = (_unwrapped(a) for a in call.args)
    return any(
        rule._stored_password(a) and rule._raw(b) is not None and not rule._stored_password(b)
        for a, b in ((first, second), (second, first))
    )


def _unwrapped(expr: ast.expr) -> ast.expr:
    """``user.password.encode("utf-8")`` -> ``user.password``."""
    while (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Attribute)
        and expr.func.attr in ("encode", "decode", "strip")
    ):
        expr = expr.func.value
    return expr


def _canonical(field: str) -> bool:
    """The password field itself: ``password``, ``passwd``, ``pwd``, ``Password``."""
    return len(words(field)) == 1 and words(field)[0] in _PASSWORD_NOUNS


def _literal(expr: ast.AST) -> bool:
    return isinstance(expr, ast.Constant) or (
        isinstance(expr, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in expr.values)
    )


def _outbound(expr: ast.AST) -> bool:
    text = dotted(expr) if not isinstance(expr, ast.Subscript) else dotted(expr.value)
    if text is None:
        return False
    return any(w in _OUTBOUND for w in words(text.rsplit(".", 1)[-1]))


def _objects(func: ast.AST) -> bool:
    """A Django manager or queryset call: ``User.objects.create``, ``.filter(...).update``."""
    current = func
    while isinstance(current, (ast.Attribute, ast.Call)):
        if isinstance(current, ast.Attribute) and current.attr == "objects":
            return True
        current = current.value if isinstance(current, ast.Attribute) else current.func
    return False


def _query(func: ast.AST) -> bool:
    """A SQLAlchemy query: ``User.query.filter_by``, ``session.query(User).filter``,
    ``update(User).values``."""
    current = func
    while isinstance(current, (ast.Attribute, ast.Call)):
        if isinstance(current, ast.Attribute) and current.attr in ("query", "select", "where"):
            return True
        if isinstance(current, ast.Call) and (dotted(current.func) or "").rsplit(".", 1)[-1] in (
            "query", "select", "update", "insert", "execute", "scalars",
        ):  # fmt: skip
            return True
        current = current.value if isinstance(current, ast.Attribute) else current.func
    return False


def _column(value: ast.expr | None) -> bool:
    """A model column: ``db.Column(...)``, ``models.CharField(...)``, ``mapped_column``,
    ``Field(...)``, ``StringField(...)``."""
    if not isinstance(value, ast.Call):
        return False
    name = (dotted(value.func) or "").rsplit(".", 1)[-1]
    return name in ("Column", "mapped_column", "CharField", "TextField", "StringField", "Field")


def _db_store(expr: ast.AST) -> bool:
    text = dotted(expr)
    return text is not None and any(w in _DB_STORES for w in words(text.rsplit(".", 1)[-1]))


def _dict_password(node: ast.Dict) -> ast.expr | None:
    for key, value in zip(node.keys, node.values, strict=True):
        text = literal_text(key) if key is not None else None
        if text is not None and password_field(text):
            return value
    return None


def _sql_text(query: ast.expr, scope: Scope) -> tuple[str, list[ast.expr]]:
    """The SQL text of a literal, f-string, ``%`` or ``.format`` query (also through a
    local name), and the values interpolated into it."""
    for _ in range(4):
        if isinstance(query, ast.Name):
            binding = scope.lookup(query.id, position(query))
            if binding is None or binding.value is None:
                return "", []
            query = binding.value
            continue
        break
    if isinstance(query, ast.Constant) and isinstance(query.value, str):
        return query.value, []
    if isinstance(query, ast.JoinedStr):
        text = "".join(
            v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "?"
            for v in query.values
        )
        values = [v.value for v in query.values if isinstance(v, ast.FormattedValue)]
        return text, values
    if isinstance(query, ast.BinOp) and isinstance(query.op, ast.Mod):
        text = literal_text(query.left) or ""
        right = query.right
        values = list(right.elts) if isinstance(right, (ast.Tuple, ast.List)) else [right]
        return text, values
    if isinstance(query, ast.BinOp) and isinstance(query.op, ast.Add):
        parts = [
            n for n in ast.walk(query) if isinstance(n, ast.Constant) and isinstance(n.value, str)
        ]
        text = " ".join(str(p.value) for p in parts)
        values = [
            n for n in (query.left, query.right) if not isinstance(n, (ast.Constant, ast.BinOp))
        ]
        return text, values
    if (
        isinstance(query, ast.Call)
        and isinstance(query.func, ast.Attribute)
        and query.func.attr == "format"
    ):
        return literal_text(query.func.value) or "", [
            *query.args,
            *(k.value for k in query.keywords),
        ]
    return "", []


def _param_values(params: ast.expr, scope: Scope) -> list[ast.expr]:
    for _ in range(4):
        if isinstance(params, ast.Name):
            binding = scope.lookup(params.id, position(params))
            if binding is None or binding.value is None or binding.kind != "assign":
                return [params]
            params = binding.value
            continue
        break
    if isinstance(params, (ast.Tuple, ast.List, ast.Set)):
        return list(params.elts)
    if isinstance(params, ast.Dict):
        return list(params.values)
    return [params]
