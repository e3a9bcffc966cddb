-- The 低保 households of the month, with the income and the standard DIBAO_EXIT_DUE compares.
-- The rule (rules/dibao.sql) and the household roster both read this table, so they cannot disagree.
--
-- SPEC §4 DIBAO_EXIT_DUE: "the household's monthly per-capita income exceeds its 低保 standard
--   (county, urban/rural): income = max(roster per_capita_income, annual_income_per_capita / 12
--   from any member's 建档立卡 row)"
-- rules/README: "Its standard is `dibao_urban` or `dibao_rural` of its county, taken from the
--   head's row (与户主关系 户主/本人), or else from its first row in file order."
-- The registry's yearly income is divided by 12 and compared unrounded, as SPEC §4 writes it
-- (8640.04 a year is 720.0033 a month: above a 720 standard); sentences show it to the fen.
-- Unknowns (SPEC §2): a row from a sheet without 家庭月人均收入 has an unknown income, so the
-- household's income is only known to be at least `income_used` (`income_unknown`); a household
-- whose area type or county is unknown may have any of the standards they allow, between
-- `standard_min` and `standard_max`. Rows without a household number belong to no household here.
create or replace temp table dibao_households as
with
dibao_rows as (
    select *, is_head(relation) as is_head
    from dibao
),

households as (
    select
        household_id,
        first(county order by not is_head, src_file, src_sheet, src_row, src_member) as county,
        first(area_type order by not is_head, src_file, src_sheet, src_row, src_member) as area_type,
        first(name order by not is_head, src_file, src_sheet, src_row, src_member) as head_name,
        first(id_number order by not is_head, src_file, src_sheet, src_row, src_member) as head_id_number,
        count(distinct id_number) as members,
        max(per_capita_income) as per_capita_income,
        bool_or(per_capita_income is null) as income_unknown,
        known_sum(benefit) as benefit_total,
        known_sum(topup) as topup_total,
        list(source_ref(src_file, src_sheet, src_row, src_member)) as dibao_sources
    from dibao_rows
    where household_id is not null
    group by household_id
),

standards_anywhere as (  -- the standards a household of unknown county may have
    select
        min(dibao_urban) as urban_min, max(dibao_urban) as urban_max,
        min(dibao_rural) as rural_min, max(dibao_rural) as rural_max
    from policy_counties
),

registry_income as (
    select
        members.household_id,
        max(registry.annual_income_per_capita) as registry_income_annual,
        max(registry.annual_income_per_capita) / 12 as registry_income_monthly,
        list(source_ref(registry.src_file, registry.src_sheet, registry.src_row, registry.src_member)) as registry_sources
    from (select distinct household_id, id_number from dibao) as members
    join registry using (id_number)
    where registry.annual_income_per_capita is not null
    group by members.household_id
),

final as (
    select
        households.household_id,
        households.county,
        households.area_type,
        households.members,
        households.head_name,
        households.head_id_number,
        households.per_capita_income,
        registry_income.registry_income_annual,
        registry_income.registry_income_monthly,
        greatest(households.per_capita_income, registry_income.registry_income_monthly) as income_used,
        households.income_unknown,
        case households.area_type
            when 'urban' then policy_counties.dibao_urban
            when 'rural' then policy_counties.dibao_rural
        end as standard,
        case when households.county is null then
                 case households.area_type when 'urban' then anywhere.urban_min
                                           when 'rural' then anywhere.rural_min
                                           else least(anywhere.urban_min, anywhere.rural_min) end
             else coalesce(standard, least(policy_counties.dibao_urban, policy_counties.dibao_rural))
        end as standard_min,
        case when households.county is null then
                 case households.area_type when 'urban' then anywhere.urban_max
                                           when 'rural' then anywhere.rural_max
                                           else greatest(anywhere.urban_max, anywhere.rural_max) end
             else coalesce(standard, greatest(policy_counties.dibao_urban, policy_counties.dibao_rural))
        end as standard_max,
        households.benefit_total,
        households.topup_total,
        list_concat(households.dibao_sources, registry_income.registry_sources) as sources
    from households
    cross join standards_anywhere as anywhere
    left join registry_income using (household_id)
    left join policy_counties using (county)
)

select * from final;
