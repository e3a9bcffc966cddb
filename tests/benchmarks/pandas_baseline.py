"""The same joins in plain pandas: the baseline doudi's benchmark measures itself against.

The performance issue asks for "a baseline of the same joins written in plain pandas, side by
side", and for doudi's reconcile + rosters to be at least 3× faster than it at city scale. This
module is that baseline. It is a benchmark, not part of doudi: nothing in doudi imports it, and no
report or output comes from it.

`pandas_reconcile` takes the staged tables as pandas frames (`month.table(name).to_pandas()`) and
computes, with merge, groupby and boolean masks, the rules of SPEC §4 that read the month's rows
(the two county rules read only the policy file and are left out), read as transforms/rules/README.md
reads them, plus the person roster's joins (sql/roster_persons.sql). It returns the exceptions as
(rule_code, subject, id_number, expected, actual); the roster's row count is in
`result.attrs["roster_persons"]`. It writes no detail sentences and gathers no lineage (`sources`),
which doudi does, so the comparison errs in pandas' favour. `agreement` checks that the baseline
finds the subjects doudi finds, rule by rule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl

from schemas.catalog import rule_catalog
from schemas.datasets import DATASETS
from schemas.policy import Policy

RULES = (
    "DIBAO_TEKUN_OVERLAP",
    "DUPLICATE_ENROLLMENT",
    "DECEASED_STILL_PAID",
    "IDENTITY_CONFLICT",
    "DIBAO_EXIT_DUE",
    "EXITED_POVERTY_ON_DIBAO",
    "COVERAGE_GAP",
    "DIBAO_TOPUP_MISMATCH",
    "TEKUN_BELOW_STANDARD",
    "PREMIUM_NOT_SUBSIDIZED",
    "MEDICAL_AID_SHORTFALL",
    "DISABILITY_LIVING_MISSING",
    "DISABILITY_LIVING_INELIGIBLE",
    "DISABILITY_CARE_MISSING",
    "DISABILITY_CARE_INELIGIBLE",
)
COLUMNS = ["rule_code", "subject", "id_number", "expected", "actual"]
FILE_ORDER = ["src_file", "src_sheet", "src_row"]
HEAD_RELATIONS = ["户主", "本人"]


def fen(amount: pd.Series | np.ndarray) -> pd.Series | np.ndarray:
    """Amounts rounded to 0.01 yuan as DuckDB's round(x, 2) rounds them: on the exact binary value,
    ties away from zero. pandas' round(2) rounds x × 100 after the multiplication has rounded it,
    ties to even: 710.435 (710.43499… in binary) becomes 710.44 where DuckDB says 710.43, and
    0.3 × 1864.15 (559.245000…05) becomes 559.24 where DuckDB says 559.25. That is about one
    computed top-up in twenty, and the rules compare and report rounded amounts."""
    scaled = amount * 100.0
    # The rounding error of amount × 100 (Dekker's split; 100 itself splits exactly), which says
    # on which side of a half fen the exact product lies when the rounded one sits on it.
    split = 134217729.0 * amount
    high = split - (split - amount)
    error = (high * 100.0 - scaled) + (amount - high) * 100.0
    whole = np.trunc(scaled)
    away_from_zero = whole + np.sign(scaled) * (np.abs(scaled - whole) >= 0.5)
    on_half = np.abs(scaled - whole) == 0.5
    rounded = np.where(on_half & (error > 0), np.ceil(scaled),
                       np.where(on_half & (error < 0), np.floor(scaled), away_from_zero))
    if isinstance(amount, pd.Series):
        return pd.Series(rounded / 100.0, index=amount.index)
    return rounded / 100.0


def among(keys: pd.Series | pd.Index, values: pd.Series | pd.Index) -> np.ndarray:
    """`keys.isin(values)` for ID columns, as a boolean array. The staged frames hold text in
    pandas' `str` dtype, whose isin builds its value set one Python object at a time (0.4 s to look
    up the 47k 建档立卡 IDs among 60k 低保 ones); on object arrays isin hashes them in C, twenty
    times faster. A baseline slowed down by that would flatter doudi."""
    return pd.Index(keys, dtype=object).isin(pd.Index(values, dtype=object))


def county_values(county: pd.Series, policy: Policy, field: str) -> pd.Series:
    """A policy value of each row's county (NaN for a county the policy does not know)."""
    values = {code: getattr(c, field) for code, c in policy.counties.items()}
    return county.map(values).astype(float)  # float even when there are no rows


def in_file_order(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows as the files hold them: "first" in the rules means first in (file, sheet, row)."""
    return frame.sort_values(FILE_ORDER, kind="stable")


def heads_first(frame: pd.DataFrame) -> pd.DataFrame:
    """A household's rows with the head's (与户主关系 户主/本人) first, then file order."""
    is_head = frame["relation"].isin(HEAD_RELATIONS)
    return (frame.assign(is_head=is_head)
            .sort_values(["is_head", *FILE_ORDER], ascending=[False, True, True, True], kind="stable"))


def findings(rule_code: str, subject: pd.Series, id_number: pd.Series | None = None,
             expected: pd.Series | None = None, actual: pd.Series | None = None) -> pd.DataFrame:
    """One rule's exceptions in the baseline's columns (subject and amounts aligned by position)."""
    subject = pd.Series(np.asarray(subject, dtype=object))
    return pd.DataFrame({
        "rule_code": rule_code,
        "subject": subject,
        "id_number": subject if id_number is None else np.asarray(id_number, dtype=object),
        "expected": np.nan if expected is None else np.asarray(expected, dtype=float),
        "actual": np.nan if actual is None else np.asarray(actual, dtype=float),
    }, index=subject.index)


# ---------------------------------------------------------------------------------------------
# Identity: overlap, duplicates, names


def overlap_exceptions(dibao: pd.DataFrame, tekun: pd.DataFrame) -> pd.DataFrame:
    """DIBAO_TEKUN_OVERLAP: on this month's dibao and tekun."""
    in_both = dibao["id_number"].drop_duplicates()
    in_both = in_both[among(in_both, tekun["id_number"])]
    return findings("DIBAO_TEKUN_OVERLAP", in_both)


def duplicate_exceptions(staged: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """DUPLICATE_ENROLLMENT: 2+ rows in one of dibao, tekun, persons; one exception per ID."""
    repeated = pd.concat([staged[name]["id_number"][staged[name]["id_number"].duplicated()]
                          for name in ("dibao", "tekun", "persons")])
    return findings("DUPLICATE_ENROLLMENT", repeated.drop_duplicates())


def identity_exceptions(staged: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """IDENTITY_CONFLICT: two different normalised names for one ID across all seven datasets."""
    names = pd.concat([
        pd.DataFrame({"id_number": frame["id_number"],
                      "name": frame["name_norm"].fillna(frame["name"])})
        for frame in staged.values()
    ]).dropna().drop_duplicates()
    conflicted = names["id_number"][names["id_number"].duplicated()].drop_duplicates()
    return findings("IDENTITY_CONFLICT", conflicted)


# ---------------------------------------------------------------------------------------------
# Deaths


def deceased_exceptions(staged: dict[str, pd.DataFrame], period_start: pd.Timestamp) -> pd.DataFrame:
    """DECEASED_STILL_PAID: earliest death before the month, and on dibao or tekun or paid a
    disability subsidy; actual = what was paid this month."""
    died = staged["deaths"].groupby("id_number")["death_date"].min()
    died = died[died < period_start].index
    dibao, tekun, persons = staged["dibao"], staged["tekun"], staged["persons"]
    subsidies = persons["living_subsidy"].fillna(0) + persons["care_subsidy"].fillna(0)
    payments = pd.concat([
        pd.DataFrame({"id_number": dibao["id_number"],
                      "paid": dibao["benefit"] + dibao["topup"].fillna(0)}),
        pd.DataFrame({"id_number": tekun["id_number"],
                      "paid": tekun["basic_paid"] + tekun["care_paid"].fillna(0)}),
        pd.DataFrame({"id_number": persons["id_number"], "paid": subsidies})[subsidies > 0],
    ])
    paid = payments[among(payments["id_number"], died)].groupby("id_number")["paid"].sum()
    return findings("DECEASED_STILL_PAID", paid.index.to_series(), expected=np.zeros(len(paid)),
                    actual=paid)


# ---------------------------------------------------------------------------------------------
# 低保


def dibao_households(dibao: pd.DataFrame, registry: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Per 低保 household: its head, the income DIBAO_EXIT_DUE compares and its standard."""
    heads = heads_first(dibao).drop_duplicates("household_id").set_index("household_id")
    roster_income = dibao.groupby("household_id")["per_capita_income"].max()
    # Any member's 建档立卡 yearly income, divided by 12 unrounded (rules/README).
    members = dibao[["household_id", "id_number"]].drop_duplicates()
    registry_income = (
        members.merge(registry.loc[registry["annual_income_per_capita"].notna(),
                                   ["id_number", "annual_income_per_capita"]], on="id_number")
        .groupby("household_id")["annual_income_per_capita"].max() / 12
    )
    # fmax skips a missing side, as DuckDB's greatest() does
    income = np.fmax(roster_income, registry_income.reindex(roster_income.index))
    urban = county_values(heads["county"], policy, "dibao_urban")
    rural = county_values(heads["county"], policy, "dibao_rural")
    standard = urban.where(heads["area_type"].eq("urban"), rural.where(heads["area_type"].eq("rural")))
    return pd.DataFrame({"head_id_number": heads["id_number"], "income": income,
                         "standard": standard})


def dibao_exceptions(dibao: pd.DataFrame, registry: pd.DataFrame,
                     policy: Policy) -> list[pd.DataFrame]:
    """DIBAO_EXIT_DUE, EXITED_POVERTY_ON_DIBAO and DIBAO_TOPUP_MISMATCH."""
    households = dibao_households(dibao, registry, policy)
    exit_due = households[households["income"] > households["standard"]]
    found = [findings("DIBAO_EXIT_DUE", exit_due.index.to_series(), exit_due["head_id_number"],
                      exit_due["standard"], exit_due["income"])]

    exited = registry.loc[registry["poverty_status"].eq("exited"), "id_number"]
    first_exited = (in_file_order(dibao[among(dibao["id_number"], exited)])
                    .drop_duplicates("household_id"))
    found.append(findings("EXITED_POVERTY_ON_DIBAO", first_exited["household_id"],
                          first_exited["id_number"]))

    # 分类施保: ratio of the class (0 for C unless the policy sets it, and for no class)
    ratio = dibao["category"].map(policy.rules.topup_ratio.model_dump()).astype(float).fillna(0.0)
    topups = pd.DataFrame({"id_number": dibao["id_number"],
                           "expected": fen(ratio * dibao["benefit"]),
                           "actual": dibao["topup"].fillna(0)})
    mismatched = topups[fen((topups["actual"] - topups["expected"]).abs())
                        > policy.rules.tolerance]
    per_person = mismatched.groupby("id_number")[["expected", "actual"]].sum()
    found.append(findings("DIBAO_TOPUP_MISMATCH", per_person.index.to_series(),
                          expected=per_person["expected"], actual=per_person["actual"]))
    return found


def coverage_exceptions(registry: pd.DataFrame, dibao: pd.DataFrame,
                        tekun: pd.DataFrame) -> pd.DataFrame:
    """COVERAGE_GAP: a 建档立卡 household none of whose rows is exited, all of whose rows say labor
    ability none, and none of whose members is in 低保 or 特困."""
    rows = pd.DataFrame({
        "household_id": registry["household_id"],
        "exited": registry["poverty_status"].eq("exited"),
        "cannot_work": registry["labor_ability"].eq("none"),
        "covered": among(registry["id_number"], dibao["id_number"])
                   | among(registry["id_number"], tekun["id_number"]),
    })
    households = rows.groupby("household_id").agg(
        exited=("exited", "any"), cannot_work=("cannot_work", "all"), covered=("covered", "any"))
    gaps = households.index[~households["exited"] & households["cannot_work"]
                            & ~households["covered"]]
    heads = (heads_first(registry[among(registry["household_id"], gaps)])
             .drop_duplicates("household_id").set_index("household_id")["id_number"])
    return findings("COVERAGE_GAP", heads.index.to_series(), heads)


# ---------------------------------------------------------------------------------------------
# 特困


def tekun_exceptions(tekun: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """TEKUN_BELOW_STANDARD: basic_paid below the county standard by more than the tolerance,
    summed per ID over its rows below it."""
    standard = county_values(tekun["county"], policy, "tekun_basic")
    below = fen(standard - tekun["basic_paid"]) > policy.rules.tolerance
    per_person = (pd.DataFrame({"id_number": tekun["id_number"], "expected": standard,
                                "actual": tekun["basic_paid"]})[below]
                  .groupby("id_number")[["expected", "actual"]].sum())
    return findings("TEKUN_BELOW_STANDARD", per_person.index.to_series(),
                    expected=per_person["expected"], actual=per_person["actual"])


# ---------------------------------------------------------------------------------------------
# Medical assistance


def premium_exceptions(enrollment: pd.DataFrame, assisted: pd.Index, policy: Policy,
                       year: int) -> pd.DataFrame:
    """PREMIUM_NOT_SUBSIDIZED: no active enrollment for the year, or the best active row
    (smallest shortfall) is short by more than the tolerance."""
    active = enrollment[enrollment["year"].eq(year) & enrollment["insured_status"].eq("active")]
    active = active.assign(subsidy=active["premium_subsidy"].fillna(0),
                           shortfall=fen(active["premium"] - active["premium_subsidy"].fillna(0)))
    best = (active.sort_values(["shortfall", *FILE_ORDER], kind="stable")
            .drop_duplicates("id_number").set_index("id_number"))
    people = best.reindex(assisted)
    fires = ~among(assisted, best.index) | (people["shortfall"] > policy.rules.tolerance).to_numpy()
    fired = people[fires]
    return findings("PREMIUM_NOT_SUBSIDIZED", fired.index.to_series(), expected=fired["premium"],
                    actual=fired["subsidy"])


def aid_on_earlier_claims(claims: pd.DataFrame, year: int) -> pd.Series:
    """Per (person, settle date, claim id): the aid paid on the person's claims of the year settled
    before it, or the same day with a smaller claim_id (text order), whatever their month."""
    of_the_year = claims[claims["settle_date"].dt.year.eq(year)]
    # Rows sharing (person, day, claim) are not earlier than one another: sum them first, then
    # the running total in (day, claim_id) order less the claim's own aid is what came before.
    aid = of_the_year.groupby(["id_number", "settle_date", "claim_id"], sort=True)["aid_paid"].sum()
    return (aid.groupby(level="id_number").cumsum() - aid).rename("earlier_aid")


def medical_aid_exceptions(claims: pd.DataFrame, assisted: pd.Index, tekun_ids: pd.Series,
                           policy: Policy, period_start: pd.Timestamp,
                           period_end: pd.Timestamp) -> pd.DataFrame:
    """MEDICAL_AID_SHORTFALL: a claim of the month of a person in 低保 or 特困 aided less than
    min(ratio × out of pocket, cap − earlier aid) by more than the tolerance."""
    rules = policy.rules
    in_period = claims[claims["settle_date"].between(period_start, period_end)
                       & among(claims["id_number"], assisted)]
    in_period = in_period.merge(aid_on_earlier_claims(claims, period_start.year),
                                left_on=["id_number", "settle_date", "claim_id"], right_index=True,
                                how="left")
    out_of_pocket = (in_period["compliant_cost"] - in_period["basic_paid"]
                     - in_period["critical_paid"].fillna(0)
                     - in_period["supplementary_paid"].fillna(0)).clip(lower=0).fillna(0)
    ratio = np.where(among(in_period["id_number"], tekun_ids), rules.medical_aid_ratio_tekun,
                     rules.medical_aid_ratio)
    cap_left = (rules.medical_aid_annual_cap - in_period["earlier_aid"].fillna(0)).clip(lower=0)
    in_period = in_period.assign(expected=fen(np.minimum(ratio * out_of_pocket, cap_left)),
                                 actual=in_period["aid_paid"].fillna(0))
    short = in_period[fen(in_period["expected"] - in_period["actual"]) > rules.tolerance]
    per_claim = in_file_order(short).groupby("claim_id", sort=False).agg(
        id_number=("id_number", "first"), expected=("expected", "sum"), actual=("actual", "sum"))
    return findings("MEDICAL_AID_SHORTFALL", per_claim.index.to_series(), per_claim["id_number"],
                    per_claim["expected"], per_claim["actual"])


# ---------------------------------------------------------------------------------------------
# 残疾人两项补贴


def disability_exceptions(staged: dict[str, pd.DataFrame], policy: Policy) -> list[pd.DataFrame]:
    """The four disability rules, judged per ID on the summed subsidies and the most severe level."""
    persons, registry = staged["persons"], staged["registry"]
    disabled = persons.groupby("id_number").agg(
        level=("disability_level", "min"), living=("living_subsidy", "sum"),
        care=("care_subsidy", "sum"))
    ids = disabled.index
    in_dibao = among(ids, staged["dibao"]["id_number"])
    in_tekun = among(ids, staged["tekun"]["id_number"])
    registry_poor = among(ids, registry.loc[registry["poverty_status"].eq("poor"), "id_number"])
    living_eligible = (in_dibao | registry_poor) & ~in_tekun
    care_level = disabled["level"].isin(policy.rules.care_subsidy_levels).to_numpy()
    living, care = disabled["living"], disabled["care"]

    living_missing = disabled[living_eligible & living.eq(0).to_numpy()]
    living_ineligible = disabled[living.gt(0).to_numpy() & ~living_eligible]
    care_missing = disabled[care_level & ~in_tekun & care.eq(0).to_numpy()]
    care_ineligible = disabled[care.gt(0).to_numpy() & (~care_level | in_tekun)]
    return [
        findings("DISABILITY_LIVING_MISSING", living_missing.index.to_series(),
                 actual=living_missing["living"]),
        findings("DISABILITY_LIVING_INELIGIBLE", living_ineligible.index.to_series(),
                 expected=np.zeros(len(living_ineligible)), actual=living_ineligible["living"]),
        findings("DISABILITY_CARE_MISSING", care_missing.index.to_series(),
                 actual=care_missing["care"]),
        findings("DISABILITY_CARE_INELIGIBLE", care_ineligible.index.to_series(),
                 expected=np.zeros(len(care_ineligible)), actual=care_ineligible["care"]),
    ]


# ---------------------------------------------------------------------------------------------
# The person roster


def person_roster(staged: dict[str, pd.DataFrame], policy: Policy, exceptions: pd.DataFrame,
                  year: int, period_end: pd.Timestamp) -> pd.DataFrame:
    """One row per ID across all seven datasets, with the memberships and amounts
    sql/roster_persons.sql joins (without its `sources` lists)."""
    dibao, tekun, registry = staged["dibao"], staged["tekun"], staged["registry"]
    rows = pd.concat([
        frame[["id_number", "name", "county", *FILE_ORDER]].assign(rank=DATASETS[name].person_rank)
        for name, frame in staged.items()
    ])
    # Whose spelling wins: the dataset's rank, then file order; first() skips a missing county.
    people = (rows.sort_values(["rank", *FILE_ORDER], kind="stable")
              .groupby("id_number")[["name", "county"]].first())

    dibao_members = in_file_order(dibao).groupby("id_number").agg(
        dibao_name=("name", "first"), dibao_county=("county", "first"),
        dibao_household_id=("household_id", "first"), dibao_benefit_paid=("benefit", "sum"),
        dibao_topup_paid=("topup", "sum"))
    ratio = dibao["category"].map(policy.rules.topup_ratio.model_dump()).astype(float).fillna(0.0)
    dibao_members["dibao_topup_expected"] = (
        fen(ratio * dibao["benefit"]).groupby(dibao["id_number"]).sum())
    tekun_members = in_file_order(tekun).groupby("id_number").agg(
        tekun_name=("name", "first"), tekun_county=("county", "first"),
        tekun_basic_paid=("basic_paid", "sum"))
    tekun_members["tekun_basic_standard"] = county_values(tekun_members["tekun_county"], policy,
                                                          "tekun_basic")
    registry_members = in_file_order(registry).assign(
        is_poor=registry["poverty_status"].eq("poor"),
        has_exited=registry["poverty_status"].eq("exited"),
    ).groupby("id_number").agg(
        registry_name=("name", "first"), registry_county=("county", "first"),
        registry_household_id=("household_id", "first"), labor_ability=("labor_ability", "first"),
        is_poor=("is_poor", "any"), has_exited=("has_exited", "any"))
    registry_members["poverty_status"] = np.where(
        registry_members["is_poor"], "poor",
        np.where(registry_members["has_exited"], "exited", None))
    disability = staged["persons"].groupby("id_number").agg(
        disability_level=("disability_level", "min"), living_subsidy=("living_subsidy", "sum"),
        care_subsidy=("care_subsidy", "sum"))
    enrollment = staged["enrollment"]
    this_year = enrollment[enrollment["year"].eq(year)]
    insurance = (this_year.assign(inactive=this_year["insured_status"].ne("active"))
                 .sort_values(["inactive", *FILE_ORDER], kind="stable")
                 .drop_duplicates("id_number").set_index("id_number"))
    insurance = pd.DataFrame({"insured_active": ~insurance["inactive"],
                              "premium": insurance["premium"],
                              "premium_subsidy": insurance["premium_subsidy"].fillna(0)})
    death = staged["deaths"].groupby("id_number")["death_date"].min().rename("death_date")
    claims = staged["claims"]
    claims = claims[claims["settle_date"].dt.year.eq(year) & (claims["settle_date"] <= period_end)]
    medical_aid = claims.groupby("id_number")["aid_paid"].sum().rename("medical_aid_paid_ytd")
    # The month's exception codes as one flag column per rule: groupby(...).agg(list) would call
    # Python once per person (0.2 s at city scale), which no analyst needs to pay.
    named = exceptions[exceptions["id_number"].notna()]
    codes = (pd.get_dummies(named.set_index("id_number")["rule_code"])
             .groupby(level=0).any().add_prefix("exception_"))

    # One left join at a time: DataFrame.join given a list aligns them all at once, twice as slow.
    roster = people
    for part in (dibao_members, tekun_members, registry_members, disability, insurance, death,
                 medical_aid, codes):
        roster = roster.join(part, how="left")
    roster["name"] = (roster["dibao_name"].fillna(roster["tekun_name"])
                      .fillna(roster["registry_name"]).fillna(roster["name"]))
    roster["county"] = (roster["dibao_county"].fillna(roster["tekun_county"])
                        .fillna(roster["registry_county"]).fillna(roster["county"]))
    roster["in_dibao"] = roster["dibao_household_id"].notna()
    roster["in_tekun"] = roster["tekun_basic_paid"].notna()
    roster["on_registry"] = among(roster.index, registry["id_number"])
    roster["disabled"] = roster["disability_level"].notna()
    roster["deceased"] = roster["death_date"].le(period_end)
    roster["medical_aid_paid_ytd"] = roster["medical_aid_paid_ytd"].fillna(0)
    # insured_active is unknown, not false, when the month has no enrollment rows at all
    if len(enrollment):
        roster["insured_active"] = roster["insured_active"].fillna(False).astype(bool)
    return roster.sort_values(["county", "id_number"]).reset_index()


# ---------------------------------------------------------------------------------------------


def pandas_reconcile(staged: dict[str, pd.DataFrame], policy: Policy, period: str) -> pd.DataFrame:
    """The month's exceptions as the baseline finds them: rule_code, subject, id_number, expected,
    actual. A rule whose datasets did not arrive (empty here) reports nothing, as in doudi."""
    month = pd.Period(period, freq="M")
    start, end = month.start_time, month.end_time.normalize()
    dibao, tekun, registry = staged["dibao"], staged["tekun"], staged["registry"]
    received = {name for name, frame in staged.items() if len(frame)}
    # 低保 or 特困: whom the premium and the medical aid rules look at
    assisted = pd.Index(pd.concat([dibao["id_number"], tekun["id_number"]]).unique())

    found = [
        overlap_exceptions(dibao, tekun),
        duplicate_exceptions(staged),
        deceased_exceptions(staged, start),
        identity_exceptions(staged),
        *dibao_exceptions(dibao, registry, policy),
        coverage_exceptions(registry, dibao, tekun),
        tekun_exceptions(tekun, policy),
        premium_exceptions(staged["enrollment"], assisted, policy, start.year),
        medical_aid_exceptions(staged["claims"], assisted, tekun["id_number"], policy, start, end),
        *disability_exceptions(staged, policy),
    ]
    catalog = rule_catalog()
    runnable = [code for code in RULES if not catalog[code].missing(received)]
    exceptions = pd.concat(found, ignore_index=True)
    exceptions = exceptions.loc[exceptions["rule_code"].isin(runnable), COLUMNS]
    exceptions = exceptions.reset_index(drop=True)
    roster = person_roster(staged, policy, exceptions, start.year, end)
    exceptions.attrs["roster_persons"] = len(roster)
    return exceptions


def agreement(staged: dict[str, pd.DataFrame], policy: Policy, period: str,
              exceptions: pl.DataFrame) -> dict[str, tuple[int, int, int]]:
    """Per rule of the baseline: (doudi's count, the baseline's count, subjects both found)."""
    doudi = exceptions.select("rule_code", "subject").to_pandas().astype(object)
    baseline = pandas_reconcile(staged, policy, period)[["rule_code", "subject"]].astype(object)
    both = doudi.merge(baseline, how="outer", indicator=True)
    counts = pd.crosstab(both["rule_code"], both["_merge"]).reindex(
        index=list(RULES), columns=["left_only", "right_only", "both"], fill_value=0)
    return {
        code: (int(row.left_only + row.both), int(row.right_only + row.both), int(row.both))
        for code, row in counts.iterrows()
    }
