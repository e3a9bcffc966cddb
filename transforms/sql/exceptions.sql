-- exceptions.parquet (SPEC §5): the findings of every rule that ran, in the fixed columns.
--
-- exception_id: "stable across runs: hash of rule, subject, period" — the first 16 hex digits of
--   sha256(rule_code|subject|period), so a rerun of the period after a correction keeps the ids.
-- case_id (SPEC §7): the same without the period — one rule and one subject, whatever the month.
-- evidence_digest (SPEC §7): what the finding says without its lineage — rule, subject, expected,
--   actual and the detail with its file/sheet/row references (`civil/低保.xlsx·铜官区 第5行`) removed,
--   so a dismissed case reopens when the facts change, not when a row moves.
-- township, village: exception_places.sql; overpaid, underpaid, budget_gap: exception_money.sql,
--   whose note (the 测算 of DECEASED_STILL_PAID) ends the detail.
-- sources: every row behind the exception, once each, sorted as text.
-- status / first_seen / resolved_by_run and the case's hand-out and answer: 'new', this period and
--   null here; the history step (transforms/month/history.py) and the review loop
--   (transforms/review/) fill them from the warehouse.
with
findings as (
    select
        findings.*,
        coalesce(findings.detail || '；' || money.money_note, findings.detail) as full_detail,
        places.township,
        places.village,
        money.overpaid,
        money.underpaid,
        money.budget_gap,
        coalesce(money.money_unknown, false) as money_unknown
    from rule_findings as findings
    left join exception_places as places using (rule_code, subject)
    left join exception_money as money using (rule_code, subject)
),

final as (
    select
        left(sha256(findings.rule_code || '|' || findings.subject || '|' || $period), 16) as exception_id,
        $period as period,
        findings.rule_code,
        catalog.severity,
        findings.county,
        findings.subject,
        findings.id_number,
        findings.name,
        findings.household_id,
        findings.full_detail as detail,
        findings.expected,
        findings.actual,
        list_sort(list_distinct(coalesce(findings.sources, []))) as sources,
        findings.township,
        findings.village,
        findings.overpaid,
        findings.underpaid,
        findings.budget_gap,
        findings.money_unknown,
        'new' as status,
        $period as first_seen,
        null::varchar as resolved_by_run,
        left(sha256(findings.rule_code || '|' || findings.subject), 16) as case_id,
        left(sha256(concat_ws('|', findings.rule_code, findings.subject,
                              coalesce(printf('%.2f', findings.expected), ''),
                              coalesce(printf('%.2f', findings.actual), ''),
                              regexp_replace(findings.full_detail, '[^（）()、，；\s]+ 第\d+行', '', 'g'))), 16)
            as evidence_digest,
        catalog.rule_order
    from findings
    join rule_catalog as catalog using (rule_code)
    where not coalesce(findings.undecided, false)  -- undecided subjects are not exceptions (SPEC §2)
)

select * exclude (rule_order)
from final
order by rule_order, county, subject
