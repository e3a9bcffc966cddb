-- 残疾人两项补贴: 困难残疾人生活补贴 and 重度残疾人护理补贴, paid to whom they are due (SPEC §4).
--
-- DISABILITY_LIVING_MISSING     "a disabled person eligible for 困难残疾人生活补贴 has living_subsidy = 0;
--                                eligible = (in 低保, or on 建档立卡 with status poor) and not in 特困"
-- DISABILITY_LIVING_INELIGIBLE  "living_subsidy > 0 and the person is not eligible (as above)"
-- DISABILITY_CARE_MISSING       "level in care_subsidy_levels, not in 特困, and care_subsidy = 0"
-- DISABILITY_CARE_INELIGIBLE    "care_subsidy > 0 and (level not in care_subsidy_levels, or in 特困:
--                                persons in 特困供养 receive neither subsidy)"
--
-- rules/README: a person with two `persons` rows is judged on the sum of the subsidies and the most
-- severe (smallest) level; "status poor" means any of the ID's 建档立卡 rows says poor.
-- Unknowns (SPEC §2): a subsidy or level no sheet gave, or a 建档立卡 status no sheet gave, is
-- unknown; each condition below is three-valued (NULL: unknown) and a person is undecided when
-- the rule's condition is.
with
disabled_people as (
    select
        id_number,
        first(name order by src_file, src_sheet, src_row, src_member) as name,
        first(county order by src_file, src_sheet, src_row, src_member) filter (where county is not null) as county,
        case when bool_or(disability_level is null) then null else min(disability_level) end as level,
        known_sum(living_subsidy) as living_subsidy,
        known_sum(care_subsidy) as care_subsidy,
        sum(coalesce(living_subsidy, 0)) as living_known,
        sum(coalesce(care_subsidy, 0)) as care_known,
        '（' || rows_text(src_file, src_sheet, src_row, src_member) || '）' as rows_text,
        list(source_ref(src_file, src_sheet, src_row, src_member)) as sources
    from persons
    group by id_number
),

subsidy_eligibility as (
    select
        disabled.*,
        coalesce(disabled.county, home.county) as exception_county,
        home.dibao_household_id,
        coalesce(home.in_dibao, false) as in_dibao,
        coalesce(home.in_tekun, false) as in_tekun,
        case when home.id_number is null then false else home.registry_poor end as on_registry_poor,
        (coalesce(home.in_dibao, false) or on_registry_poor) and not coalesce(home.in_tekun, false)
            as living_eligible,
        -- a level unknown is in the list for sure only when every level is
        case when disabled.level is not null then list_contains($care_levels::integer[], disabled.level)
             when len(list_distinct($care_levels::integer[])) >= 4 then true
             when len($care_levels::integer[]) = 0 then false end as care_level_listed,
        -- paid nothing (true), paid something (false), or unknown
        case when disabled.living_known > 0 then false when disabled.living_subsidy is null then null
             else true end as living_none,
        case when disabled.care_known > 0 then false when disabled.care_subsidy is null then null
             else true end as care_none,
        array_to_string(list_transform($care_levels::integer[], lambda l: level_cn(l)), '、') as care_levels_text,
        list_concat(disabled.sources, home.dibao_sources, home.tekun_sources, home.registry_sources)
            as living_sources,
        list_concat(disabled.sources, home.tekun_sources) as care_sources
    from disabled_people as disabled
    left join assisted_people as home using (id_number)
),

disability_living_missing as (
    select
        'DISABILITY_LIVING_MISSING' as rule_code,
        exception_county as county, id_number as subject, id_number, name,
        dibao_household_id as household_id,
        name || '持有残疾证（' || coalesce(level_cn(level), '等级不详') || '），为'
            || case when in_dibao then '低保对象' else '建档立卡未脱贫户成员' end
            || '且不是特困供养人员，本月困难残疾人生活补贴为 0 元，应按规定发放' || rows_text as detail,
        null::double as expected,
        living_subsidy::double as actual,
        living_sources as sources,
        (living_eligible and living_none) is null as undecided
    from subsidy_eligibility
    where (living_eligible and living_none) is distinct from false
),

disability_living_ineligible as (
    select
        'DISABILITY_LIVING_INELIGIBLE' as rule_code,
        exception_county as county, id_number as subject, id_number, name,
        dibao_household_id as household_id,
        name || '本月领取困难残疾人生活补贴 ' || yuan(living_known) || ' 元，但'
            || case when in_tekun then '系特困供养人员，特困供养人员不享受两项补贴'
                    else '既不是低保对象，也不是建档立卡未脱贫户成员，不符合发放条件' end
            || '，请核实后停发' || rows_text as detail,
        0::double as expected,
        living_known::double as actual,
        living_sources as sources,
        (not living_none and not living_eligible) is null as undecided
    from subsidy_eligibility
    where (not living_none and not living_eligible) is distinct from false
),

disability_care_missing as (
    select
        'DISABILITY_CARE_MISSING' as rule_code,
        exception_county as county, id_number as subject, id_number, name,
        dibao_household_id as household_id,
        name || '残疾等级为' || level_cn(level) || '，属于重度残疾人护理补贴发放范围（'
            || care_levels_text || '），且不是特困供养人员，本月护理补贴为 0 元，应按规定发放'
            || rows_text as detail,
        null::double as expected,
        care_subsidy::double as actual,
        care_sources as sources,
        (care_level_listed and not in_tekun and care_none) is null as undecided
    from subsidy_eligibility
    where (care_level_listed and not in_tekun and care_none) is distinct from false
),

disability_care_ineligible as (
    select
        'DISABILITY_CARE_INELIGIBLE' as rule_code,
        exception_county as county, id_number as subject, id_number, name,
        dibao_household_id as household_id,
        name || '本月领取重度残疾人护理补贴 ' || yuan(care_known) || ' 元，但'
            || case when in_tekun then '系特困供养人员，特困供养人员不享受两项补贴'
                    else '残疾等级为' || level_cn(level) || '，不在护理补贴发放范围（'
                         || care_levels_text || '）' end
            || '，请核实后停发' || rows_text as detail,
        0::double as expected,
        care_known::double as actual,
        care_sources as sources,
        (not care_none and (not care_level_listed or in_tekun)) is null as undecided
    from subsidy_eligibility
    where (not care_none and (not care_level_listed or in_tekun)) is distinct from false
),

findings as (
    select * from disability_living_missing
    union all by name
    select * from disability_living_ineligible
    union all by name
    select * from disability_care_missing
    union all by name
    select * from disability_care_ineligible
)

select * from findings
