"""AG509 missing-timeout."""

from __future__ import annotations

import ast

from archguard.core.fingerprint import normalize_snippet
from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.rules.crypto._flow import FileIndex, position
from archguard.scan.context import PathKind, path_kind
from archguard.scan.file_rule import FileRule
from archguard.scan.syntax import Names, dotted, keyword

_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})
_SESSIONS = frozenset({"requests.Session", "requests.session", "requests.sessions.Session"})
#: Code that no request runs: a hung call stops a developer, not a service.
_OFF_DUTY = frozenset({PathKind.TEST, PathKind.MIGRATION, PathKind.SCRIPT})
#: Frameworks whose presence makes a module part of a service, even with a main guard.
_SERVICES = (
    "flask", "fastapi", "django", "starlette", "aiohttp.web", "tornado", "sanic", "bottle",
    "pyramid", "falcon", "quart", "litestar", "celery", "dramatiq", "rq", "huey", "faust",
    "uvicorn", "gunicorn", "werkzeug", "http.server", "socketserver", "wsgiref", "twisted",
    "grpc", "cherrypy", "waitress", "gevent", "aiohttp",
)  # fmt: skip
_AIOHTTP_PARTS = ("total", "connect", "sock_read", "sock_connect")


class MissingTimeout(FileRule):
    """
    ## What it does
    Finds outbound HTTP calls that can wait forever: `requests` calls (module functions
    and methods of a `requests.Session`, bound to a name, a `with` block or an
    attribute of `self`) without `timeout=`, `urllib.request.urlopen` without a
    timeout, and clients whose timeout is switched off: `timeout=None` on `requests`,
    `httpx` and aiohttp, `aiohttp.ClientTimeout()` with no limit at all, and
    `httpx.Timeout(None)`. httpx calls without `timeout=` are fine: httpx defaults to
    five seconds; so are aiohttp's (five minutes). Calls that pass `**kwargs` may carry
    a timeout and are left alone, and so is a session that mounts an adapter with a
    default timeout. Tests, migrations, scripts and command-line programs (a module that
    imports no web framework or task queue and has an `if __name__ == "__main__":`
    guard, or defines no function or class at all) are not checked: a hung call there
    stops a developer, not a service.

    ## Why is this bad?
    `requests` has no default timeout. When a payment provider or an internal
    service stops answering (without closing the connection), each request that
    calls it holds a worker forever. In minutes all workers are stuck, the app
    stops serving everything, and clients' retries make it worse.

    ## Example
    ```python
    def charge(order):
        response = requests.post(PAYMENTS_URL, json=order.as_payment())
        response.raise_for_status()
    ```

    ## Use instead
    ```python
    def charge(order):
        response = requests.post(PAYMENTS_URL, json=order.as_payment(), timeout=(3.05, 10))
        response.raise_for_status()
    ```

    ## References
    - [requests: timeouts](https://requests.readthedocs.io/en/latest/user/advanced/#timeouts)
    - [httpx: timeouts](https://www.python-httpx.org/advanced/timeouts/)
    - [aiohttp: client timeouts](https://docs.aiohttp.org/en/stable/client_quickstart.html#timeouts)
    - [CWE-400](https://cwe.mitre.org/data/definitions/400.html)
    """

    meta = RuleMeta(
        id="AG509",
        name="missing-timeout",
        category=Category.MISSING_TIMEOUT,
        severity=Severity.WARNING,
        confidence=Confidence.HIGH,
        summary=(
            "Outbound HTTP calls (requests, urllib) without a timeout, or with timeouts "
            "switched off (httpx, aiohttp)."
        ),
        # A quality rule: no security CWE, or GitHub files its findings as security alerts.
        tags=frozenset({"reliability", "http"}),
    )
    TRIGGERS = (rb"requests|urlopen|httpx|aiohttp",)

    VALID = (
        Valid(
            """
            import requests

            def charge(order):
                return requests.post(PAYMENTS_URL, json=order.as_payment(), timeout=(3.05, 10))

            def forward(method, url, **kwargs):
                return requests.request(method, url, **kwargs)
            """,
        ),
        Valid(
            """
            import httpx

            async def profile(user_id):
                async with httpx.AsyncClient(base_url=PROFILE_URL) as client:
                    return (await client.get(f"/users/{user_id}")).json()
            """,
            label="httpx has a default timeout",
        ),
        Valid(
            """
            import requests
            from requests.adapters import HTTPAdapter

            class TimeoutAdapter(HTTPAdapter):
                def send(self, request, **kwargs):
                    kwargs.setdefault("timeout", 10)
                    return super().send(request, **kwargs)

            session = requests.Session()
            session.mount("https://", TimeoutAdapter())

            def geocode(address):
                return session.get(MAPS_URL, params={"q": address}).json()
            """,
            label="a session whose adapter sets a default timeout",
        ),
        Valid(
            """
            import requests

            def test_health():
                assert requests.get("http://localhost:8000/health").ok
            """,
            path="tests/test_smoke.py",
            label="tests are not checked",
        ),
        Valid(
            """
            import requests

            def main():
                locales = requests.get(LOCALES_URL).json()
                write_locales(locales)

            if __name__ == "__main__":
                main()
            """,
            path="dev/code_generation/gen_locales.py",
            label="a command-line program",
        ),
        Valid(
            """
            def lookup(cache, key):
                return cache.get(key)
            """,
        ),
    )
    INVALID = (
        Invalid(
            """
            import requests

            def charge(order):
                response = requests.post(PAYMENTS_URL, json=order.as_payment())
                return response.json()
            """,
            line=4,
            message="no timeout",
        ),
        Invalid(
            """
            import requests

            class Maps:
                def __init__(self, token):
                    self.http = requests.Session()
                    self.http.headers["Authorization"] = f"Bearer {token}"

                def geocode(self, address):
                    return self.http.get(MAPS_URL, params={"q": address}).json()
            """,
            line=9,
        ),
        Invalid(
            """
            from urllib.request import urlopen

            def rates():
                with urlopen(RATES_URL) as response:
                    return response.read()
            """,
            line=4,
            message="urlopen",
        ),
        Invalid(
            """
            import aiohttp

            async def fetch(url):
                async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout()) as session:
                    return await session.get(url)
            """,
            line=4,
            message="timeout",
        ),
    )

    def visit_Module(self, node: ast.Module) -> None:
        self.active = path_kind(self.ctx.path) not in _OFF_DUTY and not _program(
            node, self.ctx.names
        )
        if self.active:
            self.index = FileIndex.of(node)
            self.mounted = _timeout_mounts(self.index)

    def visit_Call(self, node: ast.Call) -> None:
        if not self.active:
            return
        qualified = self.ctx.names.resolve(node.func) or ""
        timeout = keyword(node, "timeout")
        unpacked = any(kw.arg is None for kw in node.keywords) or any(
            isinstance(a, ast.Starred) for a in node.args
        )
        if qualified.startswith(("httpx.", "requests.")) and _none(timeout):
            self._report(node, "timeout-disabled", _DISABLED)
            return
        if qualified in ("aiohttp.ClientSession", "aiohttp.client.ClientSession") and _none(
            timeout
        ):
            self._report(node, "timeout-disabled", _DISABLED)
            return
        if (
            qualified in ("aiohttp.ClientTimeout", "aiohttp.client.ClientTimeout")
            and not node.args
            and not unpacked
            and all(
                _none(keyword(node, part)) or keyword(node, part) is None for part in _AIOHTTP_PARTS
            )
        ):
            self._report(node, "timeout-disabled", _DISABLED)
            return
        if (
            qualified == "httpx.Timeout"
            and node.args
            and _none(node.args[0])
            and len(node.keywords) == 0
        ):
            self._report(node, "timeout-disabled", _DISABLED)
            return
        if qualified in ("urllib.request.urlopen", "six.moves.urllib.request.urlopen"):
            if timeout is None and len(node.args) < 3 and not unpacked:
                self._report(node, "urlopen-without-timeout", _URLOPEN)
            return
        if unpacked:
            return
        requests_call = (
            qualified.startswith("requests.") and qualified[len("requests.") :] in _METHODS
        )
        if not requests_call and not self._session_call(node):
            return
        if timeout is None:
            self._report(node, "requests-without-timeout", _REQUESTS)
        elif _none(timeout):
            self._report(node, "timeout-disabled", _DISABLED)

    def _session_call(self, call: ast.Call) -> bool:
        """``session.get(...)`` on a ``requests.Session()`` made in this file, without
        an adapter that sets a default timeout."""
        func = call.func
        if not isinstance(func, ast.Attribute) or func.attr not in _METHODS:
            return False
        receiver = func.value
        if dotted(receiver) in self.mounted:
            return False
        values: list[ast.AST | None] = [receiver]
        if isinstance(receiver, ast.Name):
            binding = self.index.scope_of(call).lookup(receiver.id, position(receiver))
            values = [binding.value if binding is not None else None]
        elif isinstance(receiver, ast.Attribute):
            scope = self.index.scope_of(call)
            values = [b.value for b in self.index.attribute_bindings(receiver, scope)]
        return any(
            isinstance(v, ast.Call) and (self.ctx.names.resolve(v.func) or "") in _SESSIONS
            for v in values
        )

    def _report(self, node: ast.Call, shape: str, message: str) -> None:
        first_line = self.ctx.code(node).split("\n", 1)[0]
        self.report(
            node,
            message,
            symbol=f"{shape}\0{normalize_snippet(first_line)}",
            shape=shape,
            fix="Pass timeout= (connect and read seconds, e.g. timeout=(3.05, 10)); for a "
            "client, set a finite default timeout.",
        )


_REQUESTS = (
    "This HTTP call has no timeout: requests waits forever for a server that stops "
    "answering, and the worker hangs with it."
)
_URLOPEN = "urlopen without a timeout waits forever for a server that stops answering."
_DISABLED = "The timeout is switched off, so a silent server hangs the caller forever."


def _program(tree: ast.Module, names: Names) -> bool:
    """A module run as a command that serves nothing (no web framework or task queue is
    imported): one with an ``if __name__ == "__main__":`` guard, or a script of
    top-level statements that defines no function or class. A hang there stops one run
    of a tool."""
    guarded = any(
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Compare)
        and isinstance(node.test.left, ast.Name)
        and node.test.left.id == "__name__"
        for node in tree.body
    )
    flat = not any(
        isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        for node in tree.body
    )
    return (guarded or flat) and not any(names.imports_from(f) for f in _SERVICES)


def _none(expr: ast.AST | None) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is None


def _names_timeout(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return node.value == "timeout"
    text = (
        node.arg if isinstance(node, (ast.keyword, ast.arg)) else
        node.attr if isinstance(node, ast.Attribute) else
        node.id if isinstance(node, ast.Name) else None
    )  # fmt: skip
    return text is not None and "timeout" in text.lower()


def _timeout_mounts(index: FileIndex) -> set[str]:
    """Sessions (by their text, ``session`` or ``self.http``) that mount an adapter
    which sets a default timeout: a class or call that names a timeout."""
    mounts = [
        node
        for node in index.all(ast.Call)
        if isinstance(node.func, ast.Attribute) and node.func.attr == "mount"
    ]
    if not mounts:
        return set()
    classes_with_timeout = {
        node.name
        for node in index.all(ast.ClassDef)
        if any(_names_timeout(n) for n in ast.walk(node))
    }
    mounted: set[str] = set()
    for node in mounts:
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "mount"
            and len(node.args) >= 2
        ):
            continue
        adapter = node.args[1]
        if isinstance(adapter, ast.Call) and (
            keyword(adapter, "timeout") is not None
            or "timeout" in (dotted(adapter.func) or "").lower()
            or (dotted(adapter.func) or "").rsplit(".", 1)[-1] in classes_with_timeout
        ):
            receiver = dotted(node.func.value)
            if receiver is not None:
                mounted.add(receiver)
    return mounted
