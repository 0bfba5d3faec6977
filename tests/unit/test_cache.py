"""The per-file cache: exact reuse, and never trusting what is on disk."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

from archguard.app.file_pass import file_pass
from archguard.core.outcomes import Analysed
from archguard.rules.secrets.hardcoded_credential import HardcodedCredential
from archguard.scan.analyze import FileJob, analyze
from archguard.scan.cache import FileCache
from archguard.scan.codec import decode_outcome, encode_outcome

SOURCE = b'import os\nfrom .db import engine\nSECRET_KEY = "q7Zp2Wm9Xr4Lk8Nv3Bt6"  # archguard: ignore[AG101]\n'


def _outcome() -> Analysed:
    job = FileJob("app/settings.py", SOURCE, "app.settings", False)
    outcome = analyze(job, file_pass([HardcodedCredential], 10**6))
    assert isinstance(outcome, Analysed) and outcome.findings and outcome.facts.imports
    return outcome


def test_codec_round_trip() -> None:
    outcome = _outcome()
    assert decode_outcome(json.loads(json.dumps(encode_outcome(outcome)))) == outcome


def test_cache_hit_miss_and_corruption(tmp_path: Path) -> None:
    cache = FileCache(tmp_path / "c", "salt")
    job = FileJob("app/settings.py", SOURCE, "app.settings", False)
    key = cache.key(job)
    assert cache.get(key) is None
    cache.put(key, _outcome())
    assert cache.get(key) == _outcome()
    assert (tmp_path / "c" / ".gitignore").read_text().strip().endswith("*")
    # Another salt, path or content is another key.
    assert FileCache(tmp_path / "c", "other").key(job) != key
    assert cache.key(FileJob("b.py", SOURCE, "b", False)) != key
    entry = next((tmp_path / "c").rglob(f"{key}.json"))
    for junk in (
        b"{not json",
        b'{"kind": "Analysed", "data": {"path": 1}}',
        b'{"kind": "os.system"}',
        b"",
    ):
        entry.write_bytes(junk)
        assert cache.get(key) is None


def _writer(directory: str, n: int) -> None:
    cache = FileCache(Path(directory), "salt")
    outcome = _outcome()
    for _ in range(n):
        cache.put("ab" * 32, outcome)


def test_concurrent_writers_never_leave_a_broken_entry(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), 50)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    assert FileCache(tmp_path, "salt").get("ab" * 32) == _outcome()
    assert not list(tmp_path.rglob(".tmp-*"))


def test_web_facts_survive_the_cache_round_trip() -> None:
    source = (
        b"from fastapi import APIRouter, Depends\nfrom app.deps import get_user\n\n"
        b"router = APIRouter(prefix='/orders', dependencies=[Depends(get_user)])\n\n"
        b"@router.get('/{order_id}')\ndef read(order_id: int, db=Depends(get_db)):\n"
        b"    return db.get(Order, order_id)\n"
    )
    outcome = analyze(FileJob("app/orders.py", source, "app.orders", False), file_pass([], 10**6))
    assert isinstance(outcome, Analysed) and outcome.facts.web is not None
    assert outcome.facts.web.routes and outcome.facts.web.functions[0].lookups
    assert decode_outcome(json.loads(json.dumps(encode_outcome(outcome)))) == outcome
