import os
import shutil
from pathlib import Path
from uuid import uuid4

from fastapi import APIRouter, File, HTTPException, UploadFile
from flask import Flask, abort, current_app, request
from werkzeug.utils import secure_filename

app = Flask(__name__)
router = APIRouter()
UPLOAD_DIR = Path("/srv/uploads")
ALLOWED = {".png", ".jpg", ".jpeg", ".webp"}


@app.post("/avatar")
def upload_avatar():
    f = request.files["avatar"]
    if not f.filename.lower().endswith((".png", ".jpg")):
        abort(400)
    # ruleid: upload-saved-under-client-filename
    f.save(os.path.join(current_app.config["UPLOAD_FOLDER"], f.filename))
    return {"ok": True}


@router.post("/documents")
async def upload_document(file: UploadFile = File(...)):
    if file.content_type not in ("application/pdf",):
        raise HTTPException(400)
    # ruleid: upload-saved-under-client-filename
    with open(UPLOAD_DIR / file.filename, "wb") as out:
        shutil.copyfileobj(file.file, out)
    return {"name": file.filename}


@app.post("/attachments")
def upload_attachment():
    # ruleid: upload-without-type-check
    f = request.files["file"]
    name = secure_filename(f.filename)
    f.save(os.path.join("/srv/uploads", name))
    return {"name": name}


@router.post("/images")
# ruleid: upload-without-type-check
async def upload_image(image: UploadFile):
    data = await image.read()
    key = f"{uuid4().hex}.bin"
    (UPLOAD_DIR / key).write_bytes(data)
    return {"key": key}


@app.post("/themes")
def upload_theme():
    f = request.files["theme"]
    if os.path.splitext(f.filename)[1] != ".css":
        abort(400)
    # ruleid: upload-into-served-folder
    f.save(os.path.join(app.static_folder, secure_filename(f.filename)))
    return {"ok": True}


# --- safe uploads stay silent ---


@app.post("/avatar/safe")
def upload_avatar_safe():
    # ok: upload-without-type-check
    f = request.files["avatar"]
    ext = os.path.splitext(f.filename or "")[1].lower()
    if ext not in ALLOWED:
        abort(400)
    # ok: upload-saved-under-client-filename
    f.save(os.path.join(current_app.config["UPLOAD_FOLDER"], f"{uuid4().hex}{ext}"))
    return {"ok": True}


@app.post("/reports")
def upload_report():
    # ok: upload-without-type-check
    f = request.files["report"]
    if f.mimetype != "text/csv":
        abort(400)
    # ok: upload-saved-under-client-filename, upload-into-served-folder
    f.save(os.path.join("/srv/reports", secure_filename(f.filename)))
    return {"ok": True}


@router.post("/scans")
# ok: upload-without-type-check
async def upload_scan(file: UploadFile):
    if file.content_type != "application/pdf":
        raise HTTPException(400)
    data = await file.read()
    (UPLOAD_DIR / f"{uuid4().hex}.pdf").write_bytes(data)
    return {"size": len(data)}
