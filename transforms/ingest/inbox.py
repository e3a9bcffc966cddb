"""Find the files an office sent for a period: `<inbox>/<period>/<office>/*`, whatever their names."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from schemas.period import checked_period

# SPEC §7: returned 下发 workbooks go to `<inbox>/<period>/feedback/`; never office data.
FEEDBACK_FOLDER = "feedback"
# Files that editors and operating systems leave beside real ones.
_LITTER = re.compile(r"^(~\$|\.~lock|\._)|^(thumbs\.db|desktop\.ini|\.ds_store)$", re.IGNORECASE)
# The memo and index files of a .dbf table (FoxPro, dBase): read with it, not tables of their own.
_DBF_COMPANIONS = {".fpt", ".dbt", ".cdx", ".mdx", ".ndx", ".idx"}


class InboxError(ValueError):
    """The period cannot be run at all; the message is one line for the officer."""


@dataclass(frozen=True)
class InboxFile:
    path: Path
    rel: str  # relative to the period folder, with forward slashes: civil/低保花名册.xlsx
    sha256: str
    size: int


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def inbox_files(inbox: Path, period: str) -> list[InboxFile]:
    """Every file under the period folder, in a stable order; hidden files, lock files and the
    returned workbooks of `feedback/` skipped."""
    folder = Path(inbox) / checked_period(period)
    if not folder.is_dir():
        raise InboxError(f"收件箱中没有 {period} 的文件夹：{folder}")
    files = []
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if (not path.is_file() or any(p.startswith(".") for p in parts) or _LITTER.search(path.name)
                or parts[0] == FEEDBACK_FOLDER):
            continue
        if path.suffix.lower() in _DBF_COMPANIONS and _has_dbf_beside(path):
            continue
        files.append(InboxFile(path, "/".join(parts), sha256_of(path), path.stat().st_size))
    return files


def _has_dbf_beside(path: Path) -> bool:
    """Whether a .dbf of the same name (in any case) sits in the same folder."""
    stem = path.stem.lower()
    return any(p.stem.lower() == stem and p.suffix.lower() == ".dbf" for p in path.parent.iterdir())
