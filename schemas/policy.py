"""The policy file (SPEC §3): a pydantic model, validated before any work is done.

A bad file stops the run with one line that names the key, e.g.
`政策文件 data/policy.toml 有误：counties.340705.dibao_urban 应大于 0（当前值 -5）`.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from schemas.vocabulary import NO_SITE_WORDS, Vocabulary, VocabularyError, load_vocabulary

# The policy doudi ships with (Tongling); `--policy` points elsewhere.
BUNDLED_POLICY = Path(__file__).resolve().parents[1] / "data" / "policy.toml"

Ratio = Annotated[float, Field(ge=0, le=1)]
Yuan = Annotated[float, Field(ge=0)]
Standard = Annotated[float, Field(gt=0)]
CountyCode = Annotated[str, Field(pattern=r"^\d{6}$")]


class PolicyError(ValueError):
    """The policy file cannot be used; the message is one line for the officer."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TopupRatio(_Strict):
    A: Ratio
    B: Ratio
    C: Ratio = 0.0


class TekunCare(_Strict):
    """特困 照料护理标准 by self-care ability, yuan per month (SPEC §3, optional)."""

    partial: Standard
    unable: Standard


class Rules(_Strict):
    topup_ratio: TopupRatio
    tekun_floor_ratio: Ratio
    medical_aid_ratio: Ratio
    medical_aid_ratio_tekun: Ratio
    medical_aid_annual_cap: Yuan
    temp_relief_per_capita: Yuan
    care_subsidy_levels: list[Annotated[int, Field(ge=1, le=4)]]
    tolerance: Yuan
    # Optional (SPEC §3): without the first two, the rules that need them are skipped in words;
    # the even-split test of 临时救助 runs on its defaults.
    medical_aid_ratio_low_income: Ratio | None = None
    tekun_care: TekunCare | None = None
    temp_relief_even_min: Annotated[int, Field(ge=2)] = 10
    temp_relief_even_share: Annotated[float, Field(gt=0, le=1)] = 0.8
    # SPEC §5: the monthly subsidy a DISABILITY_*_MISSING person is owed (optional: else unknown)
    living_subsidy_monthly: Yuan | None = None
    care_subsidy_monthly: dict[Annotated[int, Field(ge=1, le=4)], Yuan] = {}


class ChildStandards(_Strict):
    """困境儿童 basic-living standards of a county, yuan per child per month (SPEC §3, optional)."""

    orphan_institution: Standard  # 孤儿, 机构集中养育
    orphan_dispersed: Standard  # 孤儿, 散居
    de_facto: Standard  # 事实无人抚养儿童
    difficulty: Standard  # 其他困境儿童 (重病重残 …)


class County(_Strict):
    name: str = Field(min_length=1)
    aliases: list[str] = []
    dibao_urban: Standard
    dibao_rural: Standard
    tekun_basic: Standard
    consumption_prev_year: Standard
    registered_population: Annotated[int, Field(gt=0)]
    temp_relief_budget: Yuan
    children: ChildStandards | None = None


class City(_Strict):
    name: str = ""
    counties: list[CountyCode] = []


class Notify(_Strict):
    """`[notify] webhook = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"`: a WeCom or
    DingTalk group robot told, after every scheduled run, that the month is done (counts only)."""

    webhook: str | None = None

    @field_validator("webhook")
    @classmethod
    def _an_address(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith(("http://", "https://")):
            raise ValueError(f"notify.webhook 应为 http:// 或 https:// 开头的地址（当前值 {url!r}）")
        return url


class Review(_Strict):
    """SPEC §7: 反馈截止 = 下发日期 + days."""

    days: Annotated[int, Field(ge=1, le=365)] = 20


class Policy(_Strict):
    city: City = City()
    rules: Rules
    review: Review = Review()
    counties: dict[CountyCode, County] = Field(min_length=1)
    notify: Notify = Notify()
    # The site's own header and category spellings, from the files beside the policy file
    # (schemas/vocabulary.py); not a key of the policy file itself.
    vocabulary: Vocabulary = Field(default=NO_SITE_WORDS, exclude=True)

    def missing_keys(self, keys: tuple[str, ...]) -> list[str]:
        """Of the optional keys named (as in OPTIONAL_KEYS), those this policy file does not set."""
        return [key for key in keys if not OPTIONAL_KEYS[key].is_set(self)]

    @model_validator(mode="after")
    def _every_listed_county_has_its_table(self) -> Policy:
        for code in self.city.counties:
            if code not in self.counties:
                raise ValueError(f"city.counties 列出了 {code}，但缺少 [counties.{code}] 一节")
        return self


@dataclass(frozen=True)
class OptionalKey:
    """A policy key without a default that some rule needs: where it is written, and its meaning."""

    written: str  # as the officer finds it in the policy file
    meaning: str  # what it is, in Chinese
    is_set: Callable[[Policy], bool]


# Optional keys a rule may need (rule_catalog.toml `needs_policy`); a rule whose key is not set is
# skipped, and the manifest and summary say which key to add.
OPTIONAL_KEYS = {
    "tekun_care": OptionalKey(
        "[rules] tekun_care", "特困人员照料护理标准", lambda p: p.rules.tekun_care is not None),
    "children": OptionalKey(
        "[counties.<区县代码>.children]", "困境儿童基本生活保障标准",
        lambda p: any(county.children is not None for county in p.counties.values())),
}


def unset_keys_in_words(keys: list[str]) -> str:
    """Why a rule could not run for want of policy keys, in Chinese: 政策文件未设置特困人员照料护理标准（[rules] tekun_care）."""
    return "政策文件未设置" + "、".join(f"{OPTIONAL_KEYS[k].meaning}（{OPTIONAL_KEYS[k].written}）" for k in keys)


_WHAT_IS_WRONG = {
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应不小于 {ge}",
    "less_than_equal": "应不大于 {le}",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "string_type": "应为文字",
    "string_pattern_mismatch": "应为 6 位区县代码",
    "too_short": "不能为空",
    "list_type": "应为列表，例如 [1, 2]",
    "dict_type": "应为一节表格",
}


def _one_line(error: ValidationError) -> str:
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"])
    if first["type"] == "missing":
        return f"缺少 {key}"
    if first["type"] == "extra_forbidden":
        return f"不认识的键 {key}"
    if first["type"] == "value_error":
        return first["msg"].removeprefix("Value error, ")
    what = _WHAT_IS_WRONG.get(first["type"], first["msg"]).format(**first.get("ctx", {}))
    return f"{key} {what}（当前值 {first.get('input')!r}）"


def load_policy(path: Path) -> Policy:
    """Read and validate the policy file; raise PolicyError with one line naming the key."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise PolicyError(f"找不到政策文件 {path}") from e
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise PolicyError(f"政策文件 {path} 不是有效的 TOML：{e}") from e
    if "vocabulary" in raw:
        raise PolicyError(f"政策文件 {path} 有误：不认识的键 vocabulary（本地的表头和取值写法请放在政策文件旁的 "
                          "aliases.csv 和 categories.toml 中）")
    try:
        policy = Policy.model_validate(raw)
    except ValidationError as e:
        raise PolicyError(f"政策文件 {path} 有误：{_one_line(e)}") from e
    try:
        return policy.model_copy(update={"vocabulary": load_vocabulary(Path(path))})
    except VocabularyError as e:
        raise PolicyError(f"本地词表有误：{e}") from e


def policy_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
