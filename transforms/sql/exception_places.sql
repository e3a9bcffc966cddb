-- The township and village of every finding (SPEC §5 "Where, and how much"), keyed by rule and
-- subject: the place of the person the finding names (sql/places.sql) — the person, the head of a
-- 低保 or 建档立卡 household, the patient of a claim, the suggested person of a mistyped row.
-- A subject written `340705:新城街道` (county code and township, SPEC §4 TEMP_RELIEF_EVEN_SPLIT)
-- names its township itself. County rules have neither.
create or replace temp table exception_places as
select
    findings.rule_code,
    findings.subject,
    coalesce(places.township,
             nullif(regexp_extract(findings.subject, '^\d{6}:(.+)$', 1), '')) as township,
    places.village
from rule_findings as findings
left join person_places as places using (id_number);
