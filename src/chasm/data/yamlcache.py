"""What :func:`chasm.data.schema.read_yaml` accepted, kept for later readings of the same bytes.

WHAT. An accepted YAML file is kept by its path, schema and bytes in this process
(:data:`ACCEPTED`) and, by its bytes, schema (name and file) and the package's code, between
processes: in ``$CHASM_YAML_CACHE`` if set (empty: no cache between processes), else
``.build/cache/yaml`` of the project, one pickle per key. :func:`recall` answers a reading from
either; :func:`keep` stores an accepted one.

WHY. Every report run reads the same metadata and plan, and every evaluation of a register the
plan again: parsing and validating them costs about 60 ms a run, a kept copy under 1 ms. Only
accepted files are kept: a file with problems is read afresh each time, so its errors are
exactly those of a first reading.
"""

from __future__ import annotations

import copy
import os
from functools import lru_cache
from pathlib import Path

from chasm import paths

#: What was accepted in this process, by file, schema and the file's bytes.
ACCEPTED: dict[tuple[str, str | None, bytes], tuple[object, dict]] = {}
#: The environment variable naming the folder kept between processes (empty: none).
CACHE_ENV = "CHASM_YAML_CACHE"


@lru_cache(maxsize=None)
def _code_digest() -> bytes:
    """What, besides a file and its schema, decides what ``read_yaml`` returns: every module of
    the package (the checks and text rules), PyYAML and fastjsonschema."""
    import hashlib
    import importlib.metadata
    import sys

    digest = hashlib.sha256(sys.version.encode())
    package = Path(__file__).resolve().parents[1]
    for module in sorted(package.rglob("*.py")):
        digest.update(module.relative_to(package).as_posix().encode() + b"\0")
        digest.update(module.read_bytes() + b"\0")
    for dist in ("PyYAML", "fastjsonschema"):
        digest.update(f"{dist} {importlib.metadata.version(dist)}\0".encode())
    return digest.digest()


def _cache_path(raw: bytes, schema: str | None, schema_file: Path | None) -> Path | None:
    """The file that keeps what was accepted for these bytes and schema under this code
    (None: no cache between processes)."""
    import hashlib

    folder = os.environ.get(CACHE_ENV)
    if folder == "":
        return None
    folder = Path(folder) if folder else paths.ROOT / ".build" / "cache" / "yaml"
    key = hashlib.sha256(_code_digest())
    key.update(f"{schema}\0".encode())
    if schema_file is not None:
        key.update(schema_file.read_bytes() + b"\0")
    key.update(raw)
    return folder / f"{key.hexdigest()}.pickle"


def _from_disk(raw: bytes, schema: str | None, schema_file: Path | None):
    """What was accepted for these bytes before, in any process (or None)."""
    import pickle

    try:
        path = _cache_path(raw, schema, schema_file)
        if path is None or not path.exists():
            return None
        return pickle.loads(path.read_bytes())
    except (OSError, pickle.PickleError, EOFError, AttributeError, ValueError):
        return None  # unreadable: read the file itself


def recall(path: Path, schema: str | None, schema_file: Path | None, raw: bytes):
    """A copy of ``(data, where)`` accepted before for this file, schema and bytes, in this
    process or another; None if there is none."""
    key = (str(path), schema, raw)
    if key not in ACCEPTED:
        kept = _from_disk(raw, schema, schema_file)
        if kept is None:
            return None
        ACCEPTED[key] = kept
    data, where = ACCEPTED[key]
    return copy.deepcopy(data), dict(where)


def keep(path: Path, schema: str | None, schema_file: Path | None, raw: bytes, data: object,
         where: dict) -> None:
    """Keep an accepted reading, in this process and for others (atomically; best effort)."""
    import pickle
    import tempfile

    accepted = ACCEPTED[(str(path), schema, raw)] = (copy.deepcopy(data), dict(where))
    try:
        target = _cache_path(raw, schema, schema_file)
        if target is None:
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False, suffix=".tmp") as fh:
            fh.write(pickle.dumps(accepted, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(fh.name, target)
    except OSError:
        pass
