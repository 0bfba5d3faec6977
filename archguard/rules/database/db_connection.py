"""AG306 db-connection."""

from __future__ import annotations

import ast

from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.rules.ops._roles import Role, RoleRule
from archguard.scan.context import FileContext, PathKind, path_kind
from archguard.scan.scoped_rule import Function

_CONNECTIONS = {
    "sqlalchemy.create_engine": "an SQLAlchemy engine (and its connection pool)",
    "sqlalchemy.ext.asyncio.create_async_engine": "an async SQLAlchemy engine (and its pool)",
    "sqlmodel.create_engine": "an SQLAlchemy engine (and its connection pool)",
    "sqlalchemy.orm.sessionmaker": "a session factory",
    "psycopg2.connect": "a PostgreSQL connection",
    "psycopg.connect": "a PostgreSQL connection",
    "psycopg.AsyncConnection.connect": "a PostgreSQL connection",
    "asyncpg.connect": "a PostgreSQL connection",
    "asyncpg.create_pool": "a connection pool",
    "pymysql.connect": "a MySQL connection",
    "MySQLdb.connect": "a MySQL connection",
    "mysql.connector.connect": "a MySQL connection",
    "sqlite3.connect": "an SQLite connection",
    "pymongo.MongoClient": "a MongoDB client (and its pool)",
    "motor.motor_asyncio.AsyncIOMotorClient": "a MongoDB client (and its pool)",
    "redis.Redis": "a Redis client (and its pool)",
    "redis.StrictRedis": "a Redis client",
    "redis.from_url": "a Redis client (and its pool)",
    "redis.asyncio.Redis": "a Redis client",
    "redis.asyncio.from_url": "a Redis client (and its pool)",
}
_SESSION_FACTORIES = frozenset(
    {
        "SessionLocal",
        "AsyncSessionLocal",
        "async_session",
        "async_session_maker",
        "async_session_factory",
        "session_factory",
        "SessionFactory",
        "sqlalchemy.orm.Session",
        "sqlalchemy.ext.asyncio.AsyncSession",
        "sqlmodel.Session",
        "sqlmodel.ext.asyncio.session.AsyncSession",
    }
)
_MAKERS = frozenset(
    {
        "sqlalchemy.orm.sessionmaker",
        "sqlalchemy.ext.asyncio.async_sessionmaker",
        "sqlalchemy.orm.scoped_session",
    }
)


class DbConnection(RoleRule):
    """
    ## What it does
    Finds database engines, pools and connections created inside a request handler
    (`create_engine`, `create_async_engine`, `sessionmaker`, `psycopg.connect`,
    `asyncpg.connect`, `pymysql.connect`, `sqlite3.connect`, `MongoClient`,
    `redis.Redis`...) instead of once per process, and SQLAlchemy sessions that a
    function opens and never closes: no `close()`, no `with` block, and not handed
    back to a caller who would. A dependency that yields the session must close it
    in `finally`.

    ## Why is this bad?
    An engine or client owns a connection pool. Building one per request pays the
    TCP, TLS and authentication handshake every time, leaves a pool per request
    behind, and exhausts the server's connection limit under load. An unclosed
    session keeps its connection checked out until garbage collection, so the pool
    runs dry and requests start to hang.

    ## Example
    ```python
    @router.get("/reports")
    def reports():
        engine = create_engine(settings.DATABASE_URL)
        with Session(engine) as session:
            return session.scalars(select(Report).limit(50)).all()
    ```

    ## Use instead
    ```python
    engine = create_engine(settings.DATABASE_URL, pool_pre_ping=True)
    SessionLocal = sessionmaker(engine)

    def get_db():
        db = SessionLocal()
        try:
            yield db
        finally:
            db.close()
    ```

    ## References
    - https://docs.sqlalchemy.org/en/20/core/connections.html#basic-usage
    - https://docs.sqlalchemy.org/en/20/orm/session_basics.html#when-do-i-construct-a-session-when-do-i-commit-it-and-when-do-i-close-it
    - https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-with-yield/
    """

    meta = RuleMeta(
        id="AG306",
        name="db-connection",
        category=Category.DB_CONNECTION,
        severity=Severity.WARNING,
        confidence=Confidence.HIGH,
        summary="A database engine or connection is created per request, or a session is never closed.",
        tags=frozenset({"performance", "database", "reliability"}),
    )
    TRIGGERS = (
        (
            rb"create_engine|create_async_engine|sessionmaker|connect\(|MongoClient|Redis|from_url"
            rb"|Session"
        ),
    )

    VALID = (
        Valid(
            """
            from fastapi import APIRouter, Depends
            from sqlalchemy import create_engine, select
            from sqlalchemy.orm import Session, sessionmaker

            engine = create_engine("postgresql+psycopg://app@db/app")
            SessionLocal = sessionmaker(engine)
            router = APIRouter()

            def get_db():
                db = SessionLocal()
                try:
                    yield db
                finally:
                    db.close()

            @router.get("/reports")
            def reports(db: Session = Depends(get_db)):
                return db.scalars(select(Report).limit(50)).all()
            """,
            label="the fixed twin: one engine per process, a session closed per request",
        ),
        Valid(
            """
            from sqlalchemy import event, orm

            @event.listens_for(orm.Session, "after_flush")
            def touch_lists(session, context):
                local = orm.Session(bind=session.connection())
                local.execute(UPDATE_LISTS)
            """,
            label="a session borrowing the flushing session's connection holds no pool connection",
        ),
    )
    INVALID = (
        Invalid(
            """
            from fastapi import APIRouter
            from sqlalchemy import create_engine, select
            from sqlalchemy.orm import Session

            router = APIRouter()

            @router.get("/reports")
            def reports():
                engine = create_engine("postgresql+psycopg://app@db/app")
                with Session(engine) as session:
                    return session.scalars(select(Report).limit(50)).all()
            """,
            line=9,
            message="engine",
        ),
        Invalid(
            """
            from sqlalchemy import create_engine
            from sqlalchemy.orm import sessionmaker

            SessionLocal = sessionmaker(create_engine("sqlite:///app.db"))

            def get_db():
                db = SessionLocal()
                yield db
            """,
            line=7,
            message="never closed",
        ),
    )

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self._makers: set[str] = set()
        #: Per open function: session variable -> the call that opened it.
        self._opened: list[dict[str, ast.Call]] = []
        self._released: list[set[str]] = []
        #: Only code that serves requests: a migration's session rides on the
        #: migration's own connection, and a test or script is not served.
        self._served = path_kind(ctx.path) is PathKind.CODE

    def visit_Assign(self, node: ast.Assign) -> None:
        if not isinstance(node.value, ast.Call):
            return
        callee = self.ctx.names.resolve(node.value.func) or ""
        names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        if not self.scopes and callee in _MAKERS:
            self._makers.update(names)
        if self._opened and names and self._is_session(node.value) and not _rides(node.value):
            self._opened[-1][names[0]] = node.value

    def _is_session(self, call: ast.Call) -> bool:
        func = call.func
        name = func.id if isinstance(func, ast.Name) else ""
        qualified = self.ctx.names.resolve(func) or ""
        return (
            name in self._makers
            or qualified in _SESSION_FACTORIES
            or qualified.rsplit(".", 1)[-1] in _SESSION_FACTORIES
        )

    def enter_function(self, node: Function, role: Role | None) -> None:
        self._opened.append({})
        self._released.append(set())

    def exit_function(self, node: Function, role: Role | None) -> None:
        opened = self._opened.pop()
        released = self._released.pop()
        for name, call in opened.items():
            if name in released or not self._served:
                continue
            self.report(
                call,
                f"The session `{name}` opened in {node.name}() is never closed: its connection "
                "stays checked out of the pool until garbage collection. Use `with SessionLocal() as "
                f"{name}:`, or close it in a `finally:` after the `yield`.",
                symbol=f"{node.name}:{name}:unclosed",
            )

    def _release(self, expr: ast.expr | None) -> None:
        if self._released and isinstance(expr, ast.Name):
            self._released[-1].add(expr.id)

    def visit_Return(self, node: ast.Return) -> None:
        self._release(node.value)

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self._release(item.context_expr)

    visit_AsyncWith = visit_With

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in ("close", "aclose", "remove"):
            self._release(func.value)
        if self.role is not Role.HANDLER or not self._served:
            return
        name = self.ctx.names.resolve(func) or ""
        what = _CONNECTIONS.get(name)
        if what is None:
            return
        function = self.function
        where = function.name if function is not None else "the handler"
        sqlite = name == "sqlite3.connect"
        self.report(
            node,
            f"{what} is created inside the request handler {where}(): every request pays the "
            "connection set-up and leaves its own pool behind. Create it once at module level or "
            "in the app's startup/lifespan, and take a session or connection from it per request.",
            symbol=f"{where}:{name}",
            severity=Severity.NOTE if sqlite else None,
            confidence=Confidence.MEDIUM if sqlite else None,
        )


#: Calls and names that hand a session a connection someone else opened and closes.
_BORROWED = frozenset({"connection", "get_bind", "conn", "bind", "connectable"})


def _rides(call: ast.Call) -> bool:
    """``Session(bind=session.connection())`` or ``Session(bind=op.get_bind())``: the
    session borrows a connection that its owner releases, so not closing it holds no
    pool connection."""
    for kw in call.keywords:
        if kw.arg != "bind":
            continue
        value = kw.value
        if isinstance(value, ast.Call):
            value = value.func
        name = value.attr if isinstance(value, ast.Attribute) else getattr(value, "id", "")
        return name in _BORROWED
    return False
