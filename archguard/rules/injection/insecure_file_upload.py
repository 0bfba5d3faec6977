"""AG507 insecure-file-upload."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from archguard.core.findings import Finding
from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.graph.project import Project
from archguard.rules.injection._taint import TaintPath, TaintRule, confidence_of, short
from archguard.taint.analysis import TaintAnalysis
from archguard.taint.propagate import Reach

_STORAGE = """
    import os

    UPLOAD_DIR = "/srv/uploads"


    def store(upload, name):
        path = os.path.join(UPLOAD_DIR, name)
        upload.save(path)
        return path
"""
_FLASK_VIEW = """
    from flask import Blueprint, abort, request

    from media.storage import store

    bp = Blueprint("media", __name__)
    ALLOWED = {".png", ".jpg"}


    @bp.post("/avatars")
    def upload_avatar():
        upload = request.files["avatar"]
        if not upload.filename.lower().endswith(tuple(ALLOWED)):
            abort(400)
        return {"path": store(upload, upload.filename)}
"""
_FLASK_VIEW_SAFE = """
    from uuid import uuid4

    from flask import Blueprint, abort, request
    from werkzeug.utils import secure_filename

    from media.storage import store

    bp = Blueprint("media", __name__)
    ALLOWED = {".png", ".jpg"}


    @bp.post("/avatars")
    def upload_avatar():
        upload = request.files["avatar"]
        if not upload.filename.lower().endswith(tuple(ALLOWED)):
            abort(400)
        return {"path": store(upload, secure_filename(upload.filename))}
"""


class InsecureFileUpload(TaintRule):
    """
    ## What it does
    Follows an uploaded file (Flask/Werkzeug `request.files`, FastAPI/Starlette
    `UploadFile`, Django and DRF `request.FILES`) through variables, helpers and
    modules, and reports three things:

    - its client-sent name arriving in the path of a file that is written or opened
      (`file.save(os.path.join(folder, file.filename))`, `open(UPLOAD_DIR /
      file.filename, "wb")`) without `secure_filename()`, `os.path.basename()` or a
      generated name on the way; the finding sits at the write;
    - an upload stored without any check of its extension, content type or size
      anywhere on its way (medium confidence), reported where the upload is read;
    - an upload written into a folder the application serves or renders (`static/`,
      `templates/`, `app.static_folder`).

    ## Why is this bad?
    The filename is attacker-controlled: `../../app/config.py` writes outside
    the upload folder (path traversal). Without a type allowlist, users upload
    HTML or SVG with scripts (stored XSS) or files the server executes. Uploads
    inside the static or template folders are served or rendered by the app
    itself.

    ## Example
    ```python
    @app.post("/avatar")
    def upload_avatar():
        f = request.files["avatar"]
        f.save(os.path.join(app.config["UPLOAD_FOLDER"], f.filename))
        return {"ok": True}
    ```

    ## Use instead
    ```python
    ALLOWED = {".png", ".jpg", ".jpeg", ".webp"}

    @app.post("/avatar")
    def upload_avatar():
        f = request.files["avatar"]
        ext = os.path.splitext(f.filename or "")[1].lower()
        if ext not in ALLOWED:
            abort(400)
        f.save(os.path.join(app.config["UPLOAD_FOLDER"], f"{uuid4().hex}{ext}"))
        return {"ok": True}
    ```

    ## References
    - [OWASP: File Upload Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/File_Upload_Cheat_Sheet.html)
    - [Flask: uploading files](https://flask.palletsprojects.com/en/stable/patterns/fileuploads/)
    - [CWE-22](https://cwe.mitre.org/data/definitions/22.html), [CWE-434](https://cwe.mitre.org/data/definitions/434.html)
    """

    meta = RuleMeta(
        id="AG507",
        name="insecure-file-upload",
        category=Category.INSECURE_FILE_UPLOAD,
        severity=Severity.ERROR,
        confidence=Confidence.HIGH,
        summary="Uploads saved under the client's filename, with no type check, or into folders the app serves.",
        cwe=(22, 434),
        tags=frozenset({"security", "upload"}),
        security_severity=8.8,
    )
    SINKS = ("path",)
    SOURCES = ("filename",)
    SANITIZERS = ("path",)

    VALID = (
        Valid(
            files={"media/storage.py": _STORAGE, "media/views.py": _FLASK_VIEW_SAFE},
            label="the view passes a secure name to the storage helper",
        ),
        Valid(
            """
            from pathlib import Path
            from uuid import uuid4

            from fastapi import APIRouter, HTTPException, UploadFile

            router = APIRouter()
            UPLOAD_DIR = Path("/srv/uploads")


            @router.post("/scans")
            async def upload_scan(file: UploadFile):
                if file.content_type != "application/pdf":
                    raise HTTPException(400)
                data = await file.read()
                (UPLOAD_DIR / f"{uuid4().hex}.pdf").write_bytes(data)
                return {"size": len(data)}
            """,
            label="a generated name and a content-type check",
        ),
        Valid(
            files={
                "media/checks.py": """
                    from fastapi import HTTPException, UploadFile

                    TYPES = {"image/png", "image/jpeg"}


                    def require_image(upload: UploadFile) -> None:
                        if upload.content_type not in TYPES:
                            raise HTTPException(415)
                """,
                "media/api.py": """
                    from uuid import uuid4

                    from fastapi import FastAPI, UploadFile

                    from media.checks import require_image

                    app = FastAPI()


                    @app.post("/images")
                    async def upload_image(image: UploadFile):
                        require_image(image)
                        data = await image.read()
                        with open(f"/srv/images/{uuid4().hex}", "wb") as out:
                            out.write(data)
                        return {"ok": True}
                """,
            },
            label="the type is checked in a helper module",
        ),
        Valid(
            """
            import os

            from django.http import JsonResponse


            def upload(request):
                document = request.FILES["document"]
                if document.size > 5_000_000 or not document.name.endswith(".pdf"):
                    return JsonResponse({"error": "pdf only"}, status=400)
                name = os.path.basename(document.name)
                with open(os.path.join("/srv/docs", name), "wb") as out:
                    for chunk in document.chunks():
                        out.write(chunk)
                return JsonResponse({"name": name})
            """,
            path="docs/views.py",
            label="Django: basename() and a size and extension check",
        ),
    )
    INVALID = (
        Invalid(
            files={"media/storage.py": _STORAGE, "media/views.py": _FLASK_VIEW},
            path="media/storage.py",
            line=8,
            message="request.files",
            label="the client's name reaches the save through a storage helper",
        ),
        Invalid(
            """
            import shutil
            from pathlib import Path

            from fastapi import APIRouter, File, HTTPException, UploadFile

            router = APIRouter()
            UPLOAD_DIR = Path("/srv/uploads")


            @router.post("/documents")
            async def upload_document(file: UploadFile = File(...)):
                if file.content_type not in ("application/pdf",):
                    raise HTTPException(400)
                with open(UPLOAD_DIR / file.filename, "wb") as out:
                    shutil.copyfileobj(file.file, out)
                return {"name": file.filename}
            """,
            line=14,
            message="file.filename",
        ),
        Invalid(
            """
            from uuid import uuid4

            from flask import Flask, request

            app = Flask(__name__)


            @app.post("/attachments")
            def upload_attachment():
                f = request.files["file"]
                f.save(f"/srv/uploads/{uuid4().hex}")
                return {"ok": True}
            """,
            line=10,
            message="without a check of its type or size",
            label="stored with no type or size check, reported where it is read",
        ),
        Invalid(
            """
            import os

            from flask import Flask, abort, request
            from werkzeug.utils import secure_filename

            app = Flask(__name__)


            @app.post("/themes")
            def upload_theme():
                f = request.files["theme"]
                if os.path.splitext(f.filename)[1] != ".css":
                    abort(400)
                f.save(os.path.join(app.static_folder, secure_filename(f.filename)))
                return {"ok": True}
            """,
            line=14,
            message="serves",
            label="into the static folder",
        ),
    )

    def wanted(self, reach: Reach) -> bool:
        # Reading a file back under the name it was saved as is not the problem.
        return reach.sink.note != "read"

    def describe(self, path: TaintPath) -> str:
        sink = path.reach.sink
        return (
            f"An upload is written under the name its client sent ({path.origin.label}) by "
            f'{sink.label} in {short(sink.function)}(). A name such as "../../app/main.py" '
            "writes outside the upload folder: use werkzeug.utils.secure_filename() or, "
            "better, a generated name (uuid4().hex plus a checked extension)."
        )

    def shapes(
        self, project: Project, analysis: TaintAnalysis, paths: list[TaintPath]
    ) -> Iterator[Finding]:
        taken = {(p.anchor.path, p.anchor.line) for p in paths}
        stored: dict[object, Reach] = {}
        checked: set[object] = set()
        served: dict[tuple[str, int], Reach] = {}
        for _, reach in analysis.reaches():
            origin = reach.trace.origin
            if origin is None or not reach.trace.kinds & {"upload", "filename"}:
                continue
            if reach.sink.kind == "check":
                checked.add(origin.key)
            elif (
                reach.sink.kind == "store"
                and "upload" in reach.trace.kinds
                and not reach.trace.derived  # the upload itself, not a record made of it
                and reach.sink.note != "temporary"  # scratch space for an import, not kept
            ):
                stored.setdefault(origin.key, reach)
            if reach.sink.kind in ("store", "path") and reach.sink.note == "served":
                where = reach.trace.anchor or reach.sink.location
                served.setdefault((where.path, where.line), reach)
        for place, reach in sorted(served.items()):
            if place in taken:
                continue
            taken.add(place)
            origin = reach.trace.origin
            assert origin is not None
            where = reach.trace.anchor or reach.sink.location
            yield self.report(
                replace(where, message=""),
                f"An upload ({origin.label}) is written into a folder the application serves "
                f"or renders, by {reach.sink.label}: an uploaded script or template runs with "
                "the app's authority. Store uploads outside the code tree, or in object "
                "storage.",
                key=f"{reach.sink.function}|served:{origin.label}|{reach.sink.label}",
                confidence=confidence_of(origin.certain, reach.trace.unresolved),
                flows=(TaintPath(origin, reach).flow(),),
            )
        for key, reach in sorted(stored.items(), key=lambda item: item[1].sink.location):
            origin = reach.trace.origin
            assert origin is not None
            if key in checked or (origin.location.path, origin.location.line) in taken:
                continue
            taken.add((origin.location.path, origin.location.line))
            yield self.report(
                replace(origin.location, message=""),
                f"This upload ({origin.label}) is stored by {reach.sink.label} in "
                f"{short(reach.sink.function)}() without a check of its type or size. Accept "
                "only the types you expect (an allowlist of extensions, and the content "
                "sniffed from the bytes, not the client's header alone) and cap the size.",
                key=f"{origin.function}|unchecked:{origin.label}",
                severity=Severity.WARNING,
                confidence=Confidence.MEDIUM,
                flows=(TaintPath(origin, reach).flow(),),
            )
