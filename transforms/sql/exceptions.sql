-- exceptions.parquet (SPEC §5): the findings of every rule that ran, in the fixed columns.
--
-- exception_id: "stable across runs: hash of rule, subject, period" — the first 16 hex digits of
--   sha256(rule_code|subject|period), so a rerun of the period after a correction keeps the ids.
-- sources: every row behind the exception, once each, sorted as text.
-- status / first_seen / resolved_by_run: 'new', this period and null here; the history step
--   (transforms/month/history.py) compares them with the warehouse's earlier runs.
with
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
        findings.detail,
        findings.expected,
        findings.actual,
        list_sort(list_distinct(coalesce(findings.sources, []))) as sources,
        'new' as status,
        $period as first_seen,
        null::varchar as resolved_by_run,
        catalog.rule_order
    from rule_findings as findings
    join rule_catalog as catalog using (rule_code)
    where not coalesce(findings.undecided, false)  -- undecided subjects are not exceptions (SPEC §2)
)

select * exclude (rule_order)
from final
order by rule_order, county, subject
