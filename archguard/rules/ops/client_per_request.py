"""AG709 client-per-request."""

from __future__ import annotations

import ast

from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.rules.ops._roles import Role, RoleRule

_CLIENTS = {
    "httpx.Client": "httpx.Client",
    "httpx.AsyncClient": "httpx.AsyncClient",
    "requests.Session": "requests.Session",
    "requests.session": "requests.Session",
    "requests.sessions.Session": "requests.Session",
    "aiohttp.ClientSession": "aiohttp.ClientSession",
    "urllib3.PoolManager": "urllib3.PoolManager",
    "boto3.client": "a boto3 client",
    "boto3.resource": "a boto3 resource",
    "stripe.StripeClient": "stripe.StripeClient",
}


class ClientPerRequest(RoleRule):
    """
    ## What it does
    Finds HTTP clients and SDK clients created inside a request handler (a route
    function or a view method): `httpx.Client()` / `AsyncClient()`,
    `requests.Session()`, `aiohttp.ClientSession()`, `urllib3.PoolManager()`,
    `boto3.client(...)`, also as `with ... as client:` blocks. Database engines and
    connections per request are the `db-connection` rule's business.

    ## Why is this bad?
    A client owns a connection pool. Creating one per request throws the pool away
    after one use: every call pays DNS, TCP and TLS set-up again (tens to hundreds of
    milliseconds), sockets pile up in TIME_WAIT under load, and limits you configured
    on the client (timeouts, retries, connection caps) protect nothing because no
    two requests share it. aiohttp even warns about it in its docs. boto3 clients take
    milliseconds of CPU each to build.

    ## Example
    ```python
    @router.get("/rates")
    async def rates():
        async with httpx.AsyncClient(timeout=5) as client:
            return (await client.get(RATES_URL)).json()
    ```

    ## Use instead
    ```python
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.http = httpx.AsyncClient(timeout=5)
        yield
        await app.state.http.aclose()

    @router.get("/rates")
    async def rates(request: Request):
        return (await request.app.state.http.get(RATES_URL)).json()
    ```

    ## References
    - https://www.python-httpx.org/advanced/clients/#why-use-a-client
    - https://docs.aiohttp.org/en/stable/client_quickstart.html#make-a-request
    - https://requests.readthedocs.io/en/latest/user/advanced/#session-objects
    - https://cwe.mitre.org/data/definitions/400.html
    """

    meta = RuleMeta(
        id="AG709",
        name="client-per-request",
        category=Category.RESILIENCE,
        severity=Severity.WARNING,
        confidence=Confidence.HIGH,
        summary="An HTTP or SDK client (and its connection pool) is created inside a request handler.",
        tags=frozenset({"performance", "resilience", "http"}),
    )
    TRIGGERS = (rb"httpx|requests|aiohttp|urllib3|boto3|StripeClient",)

    VALID = (
        Valid(
            """
            import httpx
            from fastapi import APIRouter

            router = APIRouter()
            http = httpx.Client(timeout=5)

            @router.get("/rates")
            def rates():
                return http.get(RATES_URL).json()
            """,
        ),
        Valid(
            """
            import requests

            def sync_catalogue():
                with requests.Session() as session:
                    for page in range(10):
                        session.get(CATALOGUE_URL, params={"page": page}, timeout=10)
            """,
            label="a batch job, not a handler",
        ),
    )
    INVALID = (
        Invalid(
            """
            import httpx
            from fastapi import APIRouter

            router = APIRouter()

            @router.get("/rates")
            async def rates():
                async with httpx.AsyncClient(timeout=5) as client:
                    return (await client.get(RATES_URL)).json()
            """,
            line=8,
            message="httpx.AsyncClient",
        ),
        Invalid(
            """
            import boto3
            import requests
            from django.http import JsonResponse

            def upload_avatar(request):
                s3 = boto3.client("s3")
                session = requests.Session()
                s3.upload_fileobj(request.FILES["avatar"], BUCKET, key_for(request.user))
                return JsonResponse({"ok": True})
            """,
            path="accounts/views.py",
            line=(6, 7),
        ),
    )

    def visit_Call(self, node: ast.Call) -> None:
        if self.role is not Role.HANDLER:
            return
        name = self.ctx.names.resolve(node.func) or ""
        client = _CLIENTS.get(name)
        if client is None:
            return
        function = self.function
        where = function.name if function is not None else "the handler"
        self.report(
            node,
            f"{client} is created inside the request handler {where}(): its connection pool "
            "is thrown away after one request, so every call pays connection and TLS set-up "
            "again. Create it once (module level, app start-up or lifespan) and reuse it.",
            symbol=f"{where}:{client}",
            fix="app.state.http = httpx.AsyncClient(timeout=5)  # in the app's lifespan",
        )
