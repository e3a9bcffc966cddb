-- 特困供养: paid at the county standard, the standard itself at the floor, and care paid to those
-- who cannot look after themselves (SPEC §4).
--
-- TEKUN_BELOW_STANDARD        "basic_paid < county tekun_basic − tolerance"
-- TEKUN_STANDARD_BELOW_FLOOR  "tekun_basic × 12 < tekun_floor_ratio × consumption_prev_year"
--                             (policy: "特困 standard >= 60% of last year's per-capita consumption")
-- TEKUN_CARE_BELOW_STANDARD   "a 特困 person whose self_care is partial or unable has care_paid <
--                             tekun_care[self_care] − tolerance (policy key optional)"
--                             (政策原文: "探索建设护理型特困供养机构或在特困人员供养机构中设立特护区,为患病或
--                             失能失智的特困供养人员提供护理服务。")
--
-- rules/README: the floor is evaluated for every county of the policy file, whatever the month's
-- data, and compares strictly. Amounts are compared in fen.
--
-- Unknowns (SPEC §2): a row without 基本生活费 is undecided; a row whose county is unknown is
-- judged against every county's standard (below the lowest: fires; at the highest: does not).
-- Care, like the basic payment, is judged row by row and summed per ID over the rows below the
-- standard; a row whose self-care ability is unknown may be of a person who looks after themselves
-- (no standard): it never fires, and is undecided while paid less than the higher standard; a row
-- from a sheet without 照料护理费 is undecided when its ability is partial or unable.
with
standards_anywhere as (
    select min(tekun_basic) as lowest, max(tekun_basic) as highest from policy_counties
),

tekun_rows_judged as (
    select
        tekun.*,
        coalesce(policy_counties.tekun_basic, anywhere.lowest) as tekun_basic,
        policy_counties.county_name,
        dibao_members.household_id as dibao_household_id,
        case when round(coalesce(policy_counties.tekun_basic, anywhere.lowest) - tekun.basic_paid, 2) > $tolerance
                 then true
             when round(coalesce(policy_counties.tekun_basic, anywhere.highest) - tekun.basic_paid, 2) <= $tolerance
                 then false
        end as fires
    from tekun
    cross join standards_anywhere as anywhere
    left join policy_counties using (county)
    left join dibao_members using (id_number)
),

tekun_rows_below_standard as (
    select * from tekun_rows_judged where fires
),

tekun_below_standard_undecided as (
    select * from undecided_people(tekun_rows_judged, 'TEKUN_BELOW_STANDARD')
),

tekun_below_standard as (
    select
        'TEKUN_BELOW_STANDARD' as rule_code,
        first(county order by src_file, src_sheet, src_row, src_member) as county,
        id_number as subject,
        id_number,
        first(name order by src_file, src_sheet, src_row, src_member) as name,
        any_value(dibao_household_id) as household_id,
        first(name order by src_file, src_sheet, src_row, src_member) || '本月基本生活费 ' || yuan(sum(basic_paid))
            || ' 元，低于' || coalesce(first(county_name order by src_file, src_sheet, src_row, src_member), '各区县')
            || '特困人员基本生活标准 ' || yuan(sum(tekun_basic)) || ' 元，少发 '
            || yuan(sum(tekun_basic) - sum(basic_paid)) || ' 元，请补发（'
            || rows_text(src_file, src_sheet, src_row, src_member) || '）' as detail,
        sum(tekun_basic)::double as expected,
        sum(basic_paid)::double as actual,
        list(source_ref(src_file, src_sheet, src_row, src_member)) as sources,
        false as undecided
    from tekun_rows_below_standard
    group by id_number
),

tekun_standard_below_floor as (
    select
        'TEKUN_STANDARD_BELOW_FLOOR' as rule_code,
        county,
        county as subject,
        null as id_number,
        null as name,
        null as household_id,
        county_name || '特困人员基本生活标准 ' || yuan(tekun_basic) || ' 元/月（全年 '
            || yuan(tekun_basic * 12) || ' 元），低于上年度居民人均消费支出 '
            || yuan(consumption_prev_year) || ' 元的 ' || percent($tekun_floor_ratio) || '（'
            || yuan(round($tekun_floor_ratio * consumption_prev_year, 2)) || ' 元），请按规定提高标准'
            as detail,
        round($tekun_floor_ratio * consumption_prev_year, 2)::double as expected,
        round(tekun_basic * 12, 2)::double as actual,
        []::varchar[] as sources,
        false as undecided
    from policy_counties
    where round(tekun_basic * 12, 2) < round($tekun_floor_ratio * consumption_prev_year, 2)
),

tekun_care_standards as (  -- lowest/highest: the least and most care a row's ability may call for
    select
        tekun.*,
        case when tekun.self_care is null then 0 else care.standard end as lowest,
        case when tekun.self_care is null then most.standard else care.standard end as highest,
        case tekun.self_care when 'partial' then '部分失能' when 'unable' then '完全失能' end as self_care_cn,
        dibao_members.household_id as dibao_household_id
    from tekun
    cross join (select max(standard) as standard from policy_tekun_care) as most
    left join policy_tekun_care as care using (self_care)
    left join dibao_members using (id_number)
    where tekun.self_care is distinct from 'able'
),

tekun_care_rows_judged as (
    select
        *,
        case when round(lowest - care_paid, 2) > $tolerance then true
             when round(highest - care_paid, 2) <= $tolerance then false
        end as fires
    from tekun_care_standards
),

tekun_care_below_standard as (
    select
        'TEKUN_CARE_BELOW_STANDARD' as rule_code,
        first(county order by src_file, src_sheet, src_row, src_member) as county,
        id_number as subject,
        id_number,
        first(name order by src_file, src_sheet, src_row, src_member) as name,
        any_value(dibao_household_id) as household_id,
        first(name order by src_file, src_sheet, src_row, src_member) || '（'
            || first(self_care_cn order by src_file, src_sheet, src_row, src_member) || '）本月照料护理费 '
            || yuan(sum(care_paid)) || ' 元，低于特困人员照料护理标准 ' || yuan(sum(lowest))
            || ' 元，少发 ' || yuan(sum(lowest) - sum(care_paid)) || ' 元，请补发（'
            || rows_text(src_file, src_sheet, src_row, src_member) || '）' as detail,
        sum(lowest)::double as expected,
        sum(care_paid)::double as actual,
        list(source_ref(src_file, src_sheet, src_row, src_member)) as sources,
        false as undecided
    from tekun_care_rows_judged
    where fires
    group by id_number
),

tekun_care_undecided as (
    select * from undecided_people(tekun_care_rows_judged, 'TEKUN_CARE_BELOW_STANDARD')
),

findings as (
    select * from tekun_below_standard
    union all by name
    select * from tekun_below_standard_undecided
    union all by name
    select * from tekun_standard_below_floor
    union all by name
    select * from tekun_care_below_standard
    union all by name
    select * from tekun_care_undecided
)

select * from findings
