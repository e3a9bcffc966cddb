"""The rule catalog (`rule_catalog.toml`): the rules of SPEC §4 and §6, read once.

What each rule is called, how severe it is, what its subject is, which datasets and optional
policy keys it needs and which SQL file in `transforms/rules/` produces it. Order is report order.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from schemas.policy import Policy


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str  # high | medium | info
    # id_number | dibao_household | registry_household | claim_id | county | quarantine_row |
    # township (county code:township) | payment (id_number:pay date)
    subject: str
    title: str  # the Chinese title of the rule's report sheet
    needs: tuple[str, ...]
    needs_any: tuple[str, ...]
    reads: tuple[tuple[str, str], ...]  # (dataset, field) an unknown of which leaves a subject undecided
    sql: str  # the file in transforms/rules/
    policy: str  # the policy applied, in Chinese, with {placeholders} for the policy's numbers
    money_at_stake: bool  # |expected - actual| is money paid wrongly or owed
    needs_policy: tuple[str, ...] = ()  # optional policy keys without a default (schemas/policy.py)
    policy_quote: str = ""  # the policy source's own sentence, word for word (rule sheets print it)
    programme: str = ""  # the programme the case concerns (下发 workbooks: 项目)

    def missing(self, received: set[str]) -> list[str]:
        """The datasets that keep this rule from running this month; empty when it can run."""
        missing = [d for d in self.needs if d not in received]
        if self.needs_any and not set(self.needs_any) & received:
            missing += [d for d in self.needs_any if d not in missing]
        return missing

    def missing_policy(self, policy: Policy) -> list[str]:
        """The optional policy keys this rule needs that the policy file does not set."""
        return policy.missing_keys(self.needs_policy)

    def runs(self, received: set[str] | frozenset[str], policy: Policy) -> bool:
        """Whether the rule can run on a month that received these datasets, under this policy."""
        return not self.missing(set(received)) and not self.missing_policy(policy)


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
            reads=tuple(tuple(name.split(".", 1)) for name in entry.get("reads", [])),
            sql=entry["sql"],
            policy=entry["policy"],
            money_at_stake=entry["money_at_stake"],
            needs_policy=tuple(entry.get("needs_policy", [])),
            policy_quote=entry.get("policy_quote", ""),
            programme=entry.get("programme", ""),
        )
        for code, entry in tomllib.loads(text).items()
    }


@cache
def rule_fields(dataset: str) -> tuple[str, ...]:
    """The fields of a dataset that some rule reads (and may be undecided on)."""
    return tuple(dict.fromkeys(f for rule in rule_catalog().values() for d, f in rule.reads if d == dataset))


SEVERITY_LABELS = {"high": "高", "medium": "中", "info": "提示"}
# SPEC §5 "New since when": status is what the last run (the last correction) changed; 本月新发现
# (first_seen = the period) is what the month brought. The reports keep the two apart.
STATUS_LABELS = {"new": "本次新增", "persisting": "持续存在", "resolved": "本次解决"}
FIRST_SEEN_LABEL = "本月新发现"
# SPEC §5 "Where, and how much": the three kinds of money, each totalled on its own.
MONEY_LABELS = {"overpaid": "应追回", "underpaid": "应补发", "budget_gap": "预算缺口"}


def policy_sentence(rule: Rule, policy: Policy) -> str:
    """The rule's policy sentence with this policy file's numbers in it."""
    rules = policy.rules
    return rule.policy.format(
        topup_a=_percent(rules.topup_ratio.A),
        topup_b=_percent(rules.topup_ratio.B),
        topup_c=_percent(rules.topup_ratio.C),
        tolerance=f"{rules.tolerance:g}",
        tekun_floor_ratio=_percent(rules.tekun_floor_ratio),
        medical_aid_ratio=_percent(rules.medical_aid_ratio),
        medical_aid_ratio_tekun=_percent(rules.medical_aid_ratio_tekun),
        medical_aid_annual_cap=f"{rules.medical_aid_annual_cap:,.0f}",
        temp_relief_per_capita=f"{rules.temp_relief_per_capita:g}",
        care_levels="、".join(f"{'一二三四'[level - 1]}级" for level in rules.care_subsidy_levels),
        medical_aid_ratio_low_income=_percent(rules.medical_aid_ratio_low_income),
        tekun_care_partial=_yuan(rules.tekun_care and rules.tekun_care.partial),
        tekun_care_unable=_yuan(rules.tekun_care and rules.tekun_care.unable),
        temp_relief_even_min=rules.temp_relief_even_min,
        temp_relief_even_share=_percent(rules.temp_relief_even_share),
    )


NOT_SET = "（政策文件未设置）"


def _percent(ratio: float | None) -> str:
    return NOT_SET if ratio is None else f"{ratio * 100:g}%"


def _yuan(amount: float | None) -> str:
    return NOT_SET if amount is None else f"{amount:g} 元"
