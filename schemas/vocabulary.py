"""A site's own words: `aliases.csv` and `categories.toml` beside its policy file (SPEC §2).

An office whose system writes `救助对象身份证` or `城区` should not wait for a new release: the
site adds the spelling to `aliases.csv` (dataset,field,header — the bundled
`schemas/header_aliases.csv` format) or `categories.toml` (the bundled `schemas/categories.toml`
format, only spellings of codes that exist) next to the file `--policy` names. They are read and
checked when the policy is loaded (a bad line names its file and line), and merged over the
bundled tables: the bundled spellings stay, the site's are added.
"""

from __future__ import annotations

import csv
import hashlib
import io
import tomllib
from dataclasses import dataclass
from pathlib import Path

from schemas.categories import category_table
from schemas.datasets import DATASETS, SHAPE_FIELDS

ALIASES_FILE = "aliases.csv"
CATEGORIES_FILE = "categories.toml"
_COMMON = {"county", "township", "village", "name", "id_number"}


class VocabularyError(ValueError):
    """A site vocabulary file cannot be used; the message names the file and the line."""


@dataclass(frozen=True)
class Vocabulary:
    """The site's spellings added to the bundled ones (hashable: it keys cached lookups)."""

    aliases: tuple[tuple[str, str, str], ...] = ()  # (dataset or '*', field, header)
    categories: tuple[tuple[str, str, str], ...] = ()  # (vocabulary, code, spelling)
    files: tuple[str, ...] = ()  # the files read, for messages

    def merged_categories(self) -> dict:
        """The bundled category table with the site's spellings added."""
        table = {name: (dict(value) if isinstance(value, dict) else value)
                 for name, value in category_table().items()}
        for vocabulary, code, spelling in self.categories:
            table[vocabulary] = dict(table[vocabulary])
            table[vocabulary][code] = [*table[vocabulary].get(code, []), spelling]
        return table


NO_SITE_WORDS = Vocabulary()


def site_files(policy_path: Path) -> list[Path]:
    """The site vocabulary files that sit beside a policy file."""
    folder = Path(policy_path).parent
    return [p for p in (folder / ALIASES_FILE, folder / CATEGORIES_FILE) if p.is_file()]


def site_digest(policy_path: Path) -> str:
    """The sha256 of the policy file and the site's vocabulary files: what decides ingestion."""
    digest = hashlib.sha256(Path(policy_path).read_bytes())
    for path in site_files(policy_path):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def load_vocabulary(policy_path: Path) -> Vocabulary:
    """The site's spellings beside the policy file, checked; raises VocabularyError."""
    folder = Path(policy_path).parent
    aliases = _aliases(folder / ALIASES_FILE) if (folder / ALIASES_FILE).is_file() else ()
    categories = _categories(folder / CATEGORIES_FILE) if (folder / CATEGORIES_FILE).is_file() else ()
    return Vocabulary(aliases, categories, tuple(str(p) for p in site_files(policy_path)))


def _text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise VocabularyError(f"{path} 不是 UTF-8 编码：请用记事本或 Excel 另存为 UTF-8 后重试") from e


def _aliases(path: Path) -> tuple[tuple[str, str, str], ...]:
    lines = list(csv.reader(io.StringIO(_text(path))))
    if not lines or [c.strip() for c in lines[0]] != ["dataset", "field", "header"]:
        raise VocabularyError(f"{path} 第 1 行应为表头 dataset,field,header")
    found = []
    for number, cells in enumerate(lines[1:], start=2):
        cells = [c.strip() for c in cells]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if len(cells) != 3 or not all(cells):
            raise VocabularyError(f"{path} 第 {number} 行应有三项：数据集,字段,表头（例如 dibao,benefit,保障金）")
        dataset, field, header = cells
        if dataset == "*":
            if field not in _COMMON and SHAPE_FIELDS.get(field) != "*":
                raise VocabularyError(f"{path} 第 {number} 行：「*」只能用于通用字段（{'、'.join(sorted(_COMMON))}），"
                                      f"而不是「{field}」")
        elif dataset not in DATASETS:
            raise VocabularyError(f"{path} 第 {number} 行：没有数据集「{dataset}」（可用：{'、'.join(DATASETS)}）")
        elif field not in DATASETS[dataset].field_names and SHAPE_FIELDS.get(field) != dataset:
            raise VocabularyError(f"{path} 第 {number} 行：数据集 {dataset} 没有字段「{field}」"
                                  f"（可用：{'、'.join(DATASETS[dataset].field_names)}）")
        found.append((dataset, field, header))
    return tuple(found)


def _categories(path: Path) -> tuple[tuple[str, str, str], ...]:
    text = _text(path)
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise VocabularyError(f"{path} 不是有效的 TOML：{e}") from e
    bundled = category_table()
    found = []
    for vocabulary, codes in table.items():
        line = _line_of(text, f"[{vocabulary}]") or _line_of(text, vocabulary)
        if vocabulary not in bundled or not isinstance(bundled[vocabulary], dict) or vocabulary == "labels":
            known = [k for k, v in bundled.items() if isinstance(v, dict) and k != "labels"]
            raise VocabularyError(f"{path} 第 {line} 行：没有取值表「{vocabulary}」（可用：{'、'.join(known)}）")
        if not isinstance(codes, dict):
            raise VocabularyError(f"{path} 第 {line} 行：「{vocabulary}」应为一节表格，例如 [{vocabulary}]")
        for code, spellings in codes.items():
            where = _line_of(text, code, after=line) or line
            if code not in bundled[vocabulary] or code == "inactive_contains":
                raise VocabularyError(
                    f"{path} 第 {where} 行：取值表 {vocabulary} 没有代码「{code}」"
                    f"（可用：{'、'.join(k for k in bundled[vocabulary] if k != 'inactive_contains')}）")
            if not isinstance(spellings, list) or not all(isinstance(s, str) and s.strip() for s in spellings):
                raise VocabularyError(f"{path} 第 {where} 行：{code} 应为文字列表，例如 {code} = [\"…\"]")
            found += [(vocabulary, code, spelling) for spelling in spellings]
    return tuple(found)


def _line_of(text: str, needle: str, after: int = 0) -> int:
    """The 1-based line on which `needle` first appears (after line `after`), or 0."""
    for number, line in enumerate(text.splitlines(), start=1):
        if number > after and line.strip().startswith(needle):
            return number
    return 0
