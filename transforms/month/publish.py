"""Publish a period's outputs: built in a temporary folder, swapped in whole, never half written.

`<out>/<period>/` is replaced atomically: a crash or failure at any point leaves the previous
complete outputs in place (SPEC §5). One run per period at a time: a second one waits for the lock.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import fcntl
import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from schemas.outputs import Manifest, Table
from transforms.ingest.inbox import sha256_of

_RENAME_EXCHANGE = 2  # linux/fs.h: swap two paths in one step


@contextmanager
def owner_only() -> Iterator[None]:
    """Everything written inside is its owner's alone (folders 0700, files 0600): a month's outputs,
    staging database, cache and warehouse hold the personal data of the city's poorest people."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


@contextmanager
def period_lock(out: Path, period: str) -> Iterator[None]:
    out.mkdir(parents=True, exist_ok=True)
    with open(out / f".{period}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _exchanged(a: Path, b: Path) -> bool:
    """Swap two directories atomically with renameat2(2); False where the system cannot."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0


def _recovered(out: Path, period: str) -> None:
    """Undo what a crash mid-swap (on systems without renameat2) or mid-build left behind."""
    target = out / period
    for leftover in sorted(out.glob(f".{period}.previous-*")):
        if not target.exists():
            leftover.rename(target)
        else:
            shutil.rmtree(leftover, ignore_errors=True)
    for stale in out.glob(f".{period}.building-*"):
        shutil.rmtree(stale, ignore_errors=True)


def _swapped_in(built: Path, target: Path) -> None:
    if not target.exists():
        built.rename(target)
        return
    if _exchanged(built, target):
        shutil.rmtree(built)  # now holds the previous outputs
        return
    previous = target.with_name(f".{target.name}.previous-{os.getpid()}")
    target.rename(previous)
    built.rename(target)
    shutil.rmtree(previous)


@contextmanager
def building_folder(out: Path, period: str) -> Iterator[Path]:
    """A fresh folder to write the period's outputs into; published as `<out>/<period>` on success."""
    out.mkdir(parents=True, exist_ok=True)
    _recovered(out, period)
    built = Path(tempfile.mkdtemp(prefix=f".{period}.building-", dir=out))
    try:
        yield built
    except BaseException:
        shutil.rmtree(built, ignore_errors=True)
        raise
    built.chmod(0o700)
    _swapped_in(built, out / period)


def output_entries(folder: Path, exclude: tuple[str, ...] = ("manifest.json",)) -> list[dict]:
    """Every output file of the period with its sha256, for the manifest."""
    return [
        {"file": path.relative_to(folder).as_posix(), "sha256": sha256_of(path)}
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name not in exclude
    ]


def write_table(folder: Path, table: Table, frame: pl.DataFrame) -> Path:
    """One output table as Parquet, in its declared columns and types (schemas/outputs.py)."""
    path = folder / table.file
    # Written whole from memory: polars reports a full disk as a ComputeError ("Invalid thrift:
    # transport error"), a file write as the OSError (ENOSPC) the command knows how to explain.
    parquet = io.BytesIO()
    table.conformed(frame).write_parquet(parquet)
    path.write_bytes(parquet.getvalue())
    return path


def write_manifest(folder: Path, manifest: Manifest) -> Path:
    path = folder / "manifest.json"
    text = json.dumps(manifest.model_dump(mode="json"), ensure_ascii=False, indent=2)
    path.write_text(text, encoding="utf-8")
    return path
