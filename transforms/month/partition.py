"""Reconcile a large month district by district, with a merge pass for what crosses districts.

Every rule of SPEC §4 looks at one person, one household, one claim or one township's 临时救助 at
a time, and the staged rows of all datasets are keyed by ID number. So the month splits into
groups of people that no rule looks across: two IDs are linked when they share a 低保 household, a
建档立卡 household, a claim id or the township that paid them 临时救助 (TEMP_RELIEF_EVEN_SPLIT), and a
group is all the IDs linked to each other. A group whose rows name one district is that district's;
a group naming several districts, or none, goes to the merge pass. The county rules, and those
about quarantined rows, run on the whole month when the parts are merged. Each part is reconciled
on its own, anywhere (a Dask
worker), and the parts' exceptions together are the month's, exactly as one pass would find them.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from schemas.catalog import rule_catalog
from schemas.datasets import DATASETS
from schemas.outputs import EXCEPTIONS, UNDECIDED
from schemas.policy import Policy
from transforms.month.history import in_report_order
from transforms.month.reconcile import Reconciliation, reconcile, reconciliation_of
from transforms.month.stage import Month, connected, create_staged_table, prepared_month

MERGE = "merge"  # the part for groups across districts

_LINKS = """
create or replace temp table id_links as
with keyed as (
    select 'dibao:' || household_id as key, id_number from dibao
    union
    select 'registry:' || household_id, id_number from registry
    union
    select 'claim:' || claim_id, id_number from claims
    union
    select 'relief:' || county || ':' || township, id_number from temp_relief
)
select distinct a.id_number as id_number, b.id_number as linked
from keyed as a join keyed as b using (key)
where a.id_number <> b.id_number
"""

_SPREAD = """
update id_groups set grp = spread.grp
from (
    select links.id_number, min(groups.grp) as grp
    from id_links as links join id_groups as groups on groups.id_number = links.linked
    group by links.id_number
) as spread
where id_groups.id_number = spread.id_number and spread.grp < id_groups.grp
"""


@dataclass(frozen=True)
class Part:
    name: str  # a county code, or MERGE
    tables: dict[str, pl.DataFrame]  # the staged rows of its IDs, dataset by dataset


def id_parts(month: Month) -> pl.DataFrame:
    """(id_number, part) for every ID of the month: its district's code, or MERGE."""
    con = month.con
    con.execute(_LINKS)
    con.execute("create or replace temp table id_groups as"
                " select id_number, id_number as grp from person_rows group by id_number")
    while con.execute(_SPREAD).fetchall()[0][0]:  # label propagation: each group takes its least ID
        pass
    return con.sql(
        "with group_counties as ("
        "  select groups.grp, count(distinct rows.county) as n, any_value(rows.county) as county"
        "  from id_groups as groups join person_rows as rows using (id_number) group by groups.grp)"
        f" select groups.id_number, case when n = 1 then county else '{MERGE}' end as part"
        " from id_groups as groups join group_counties using (grp)"
    ).pl()


def parts(month: Month) -> list[Part]:
    """The month split into its districts' parts and the merge part (always present)."""
    assignments = id_parts(month)
    names = sorted(set(assignments["part"]) - {MERGE}) + [MERGE]
    staged = {name: month.table(name) for name in DATASETS}
    result = []
    for name in names:
        ids = assignments.filter(pl.col("part") == name).select("id_number")
        tables = {dataset: rows.join(ids, on="id_number", how="semi") for dataset, rows in staged.items()}
        result.append(Part(name, tables))
    return result


@dataclass(frozen=True)
class PartFound:
    exceptions: pl.DataFrame
    undecided: pl.DataFrame  # the subjects the part's rules could not decide (SPEC §2)


def reconcile_part(part: Part, policy: Policy, period: str, received: frozenset[str]) -> PartFound:
    """One part's exceptions and undecided subjects: the rules over its rows alone (the county rules
    and those about quarantined rows run on the whole month, in `merged`)."""
    con = connected()
    try:
        for dataset, rows in part.tables.items():
            create_staged_table(con, dataset, rows)
        month = prepared_month(con, policy, period, received)
        found = reconcile(month).exceptions
        undecided = month.table("undecided")
    finally:
        con.close()
    whole_month = [code for code, rule in rule_catalog().items() if rule.subject in WHOLE_MONTH_SUBJECTS]
    return PartFound(found.filter(~pl.col("rule_code").is_in(whole_month)),
                     undecided.filter(~pl.col("rule_code").is_in(whole_month)))


# Rules run on the whole month rather than on a part: those about quarantined rows (SPEC §6: the
# quarantine, its suggestions and their consequences are the whole month's, which no part holds)
# and the county rules (their budget gap counts the county's 特困 persons across every part, SPEC §5).
WHOLE_MONTH_SUBJECTS = ("quarantine_row", "county")


def whole_month_exceptions(month: Month) -> pl.DataFrame:
    """The exceptions of the rules no part can find alone (WHOLE_MONTH_SUBJECTS)."""
    codes = [code for code, rule in rule_catalog().items() if rule.subject in WHOLE_MONTH_SUBJECTS]
    return reconcile(month, codes).exceptions


def merged(month: Month, found: list[PartFound]) -> Reconciliation:
    """The parts' exceptions, and those only the whole month can find, written as the month's
    table `exceptions`, in report order; the parts' undecided subjects as its table `undecided`."""
    whole = whole_month_exceptions(month)
    exceptions = in_report_order(pl.concat([EXCEPTIONS.empty(), *(f.exceptions for f in found), whole]))
    undecided = pl.concat([UNDECIDED.empty(), *(UNDECIDED.conformed(f.undecided) for f in found)])
    for table, frame in ((EXCEPTIONS, exceptions), (UNDECIDED, undecided.sort("rule_code", "subject"))):
        month.con.execute(f"create or replace table {table.name} ({table.ddl()})")
        month.con.register("merged_rows", frame.to_arrow())
        month.con.execute(f"insert into {table.name} select * from merged_rows")
        month.con.unregister("merged_rows")
    return reconciliation_of(month)
