"""The rule catalog (`rule_catalog.toml`): the seventeen rules of SPEC §4, read once.

What each rule is called, how severe it is, what its subject is, which datasets it needs and
which SQL file in `transforms/rules/` produces it. Order is report order.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str  # high | medium | info
    subject: str  # id_number | dibao_household | registry_household | claim_id | county
    title: str  # the Chinese title of the rule's report sheet
    needs: tuple[str, ...]
    needs_any: tuple[str, ...]
    sql: str  # the file in transforms/rules/

    def missing(self, received: set[str]) -> list[str]:
        """The datasets that keep this rule from running this month; empty when it can run."""
        missing = [d for d in self.needs if d not in received]
        if self.needs_any and not set(self.needs_any) & received:
            missing += [d for d in self.needs_any if d not in missing]
        return missing


@cache
def rule_catalog() -> dict[str, Rule]:
    """The rule catalog, in report order."""
    text = resources.files("schemas").joinpath("rule_catalog.toml").read_text(encoding="utf-8")
    return {
        code: Rule(
            code=code,
            severity=entry["severity"],
            subject=entry["subject"],
            title=entry["title"],
            needs=tuple(entry["needs"]),
            needs_any=tuple(entry["needs_any"]),
            sql=entry["sql"],
        )
        for code, entry in tomllib.loads(text).items()
    }


SEVERITY_LABELS = {"high": "高", "medium": "中", "info": "提示"}
