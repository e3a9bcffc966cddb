-- 困境儿童: every child paid at least the county's standard for its category (SPEC §4, "The seed's
-- other programmes").
--
-- 政策原文 (二、(二) 2.): "完善困境儿童基本生活保障制度,健全基层儿童福利服务体系,适时调整提高困境儿童基本
--   生活保障标准,逐步建立困境儿童分类保障制度。"
--
-- CHILD_ALLOWANCE_BELOW_STANDARD  "a child alive on P_start has allowance < the county's standard for
--                                  the child's category (for orphans, by care setting:
--                                  [counties.X.children]) − tolerance"
--
-- rules/README: alive on P_start = no death date before P_start (a child who died on P_start or
-- later was owed the month); the earliest death date counts. Judged row by row like 特困: one
-- exception per ID, standards and allowances summed over its rows below the standard. Children of
-- a county whose policy has no [children] table are not judged. Amounts are compared in fen.
--
-- Unknowns (SPEC §2): a row whose county, category or (for an orphan) care setting is unknown is
-- judged against every standard it could be held to (below the lowest: fires; at the highest:
-- does not); a row without its allowance is undecided; so is a child below the standard whose
-- death record has no date.
with
deaths_known as (
    select
        id_number,
        min(death_date) as death_date,
        bool_or(death_date is null) as death_date_unknown
    from deaths
    group by id_number
),

children_judged as (
    select
        children.*,
        standards.lowest,
        standards.highest,
        policy_counties.county_name,
        dibao_members.household_id as dibao_household_id,
        -- alive on P_start: NULL when a death record of the child has no date
        case when died.death_date < $period_start then false
             when died.death_date_unknown then null
             else true end as alive,
        case when children.child_category = 'orphan' and children.care_setting = 'institution' then '孤儿（机构养育）'
             when children.child_category = 'orphan' and children.care_setting = 'dispersed' then '孤儿（散居）'
             when children.child_category = 'orphan' then '孤儿'
             when children.child_category = 'de_facto' then '事实无人抚养儿童'
             when children.child_category = 'difficulty' then '困境儿童'
             else '儿童' end as category_cn
    from children
    cross join lateral (  -- the least and most the row may be owed: every standard it could be held to
        select min(s.standard) as lowest, max(s.standard) as highest
        from policy_child_standards as s
        where (s.county = children.county or children.county is null)
          and (s.child_category = children.child_category or children.child_category is null)
          and (s.care_setting = children.care_setting or s.care_setting is null or children.care_setting is null)
    ) as standards
    left join deaths_known as died using (id_number)
    left join policy_counties using (county)
    left join dibao_members using (id_number)
),

children_rows_judged as (
    select
        *,
        alive and case when round(lowest - allowance, 2) > $tolerance then true
                       when round(highest - allowance, 2) <= $tolerance then false end as fires
    from children_judged
    where highest is not null  -- a county with standards, or one it may be
),

child_allowance_below_standard as (
    select
        'CHILD_ALLOWANCE_BELOW_STANDARD' as rule_code,
        first(county order by src_file, src_sheet, src_row, src_member) as county,
        id_number as subject,
        id_number,
        first(name order by src_file, src_sheet, src_row, src_member) as name,
        any_value(dibao_household_id) as household_id,
        first(name order by src_file, src_sheet, src_row, src_member) || '（'
            || first(category_cn order by src_file, src_sheet, src_row, src_member) || '）本月基本生活费 '
            || yuan(sum(allowance)) || ' 元，低于' || coalesce(first(county_name order by src_file, src_sheet, src_row, src_member), '各区县')
            || '困境儿童分类保障标准 ' || yuan(sum(lowest)) || ' 元，少发 '
            || yuan(sum(lowest) - sum(allowance)) || ' 元，请补发（'
            || rows_text(src_file, src_sheet, src_row, src_member) || '）' as detail,
        sum(lowest)::double as expected,
        sum(allowance)::double as actual,
        list(source_ref(src_file, src_sheet, src_row, src_member)) as sources,
        false as undecided
    from children_rows_judged
    where fires
    group by id_number
),

child_allowance_undecided as (
    select * from undecided_people(children_rows_judged, 'CHILD_ALLOWANCE_BELOW_STANDARD')
),

findings as (
    select * from child_allowance_below_standard
    union all by name
    select * from child_allowance_undecided
)

select * from findings
