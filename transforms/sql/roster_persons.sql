-- roster_persons (SPEC §5): one row per ID across all sources, with programme memberships (低保,
-- 特困, 建档立卡, 低收入人口, 困境儿童), household ids, labor ability, disability, insurance, death,
-- expected vs paid amounts, temporary relief this year and the month's exception codes. Reads the shared tables of sql/people.sql and the table `exceptions`
-- (the month's exceptions, written by the runner); the amounts follow the rules' own readings.
with
people as (
    select
        id_number,
        first(name order by dataset_order, src_file, src_sheet, src_row, src_member) as name,
        first(county order by dataset_order, src_file, src_sheet, src_row, src_member)
            filter (where county is not null) as county,
        list(source_ref(src_file, src_sheet, src_row, src_member)) as sources
    from person_rows
    group by id_number
),

topup_due as (  -- DIBAO_TOPUP_MISMATCH: ratio(category) × the member's own benefit
    select
        id_number,
        sum(round(topup_ratio(category) * benefit, 2)) as dibao_topup_expected
    from dibao
    group by id_number
),

registry_status as (
    select
        id_number,
        case when is_poor then 'poor' when has_exited then 'exited' end as poverty_status,
        labor_ability
    from registry_members
),

disability as (  -- judged on the most severe level and the sum of subsidies, as the rules do
    select
        id_number,
        min(disability_level) as disability_level,
        sum(coalesce(living_subsidy, 0)) as living_subsidy,
        sum(coalesce(care_subsidy, 0)) as care_subsidy
    from persons
    group by id_number
),

insurance as (  -- PREMIUM_NOT_SUBSIDIZED: year(P) rows; an active row is preferred
    select
        id_number,
        bool_or(insured_status = 'active') as insured_active,
        first(premium order by insured_status <> 'active', src_file, src_sheet, src_row, src_member) as premium,
        first(coalesce(premium_subsidy, 0)
              order by insured_status <> 'active', src_file, src_sheet, src_row, src_member) as premium_subsidy
    from enrollment
    where year = $period_year
    group by id_number
),

death as (
    select id_number, min(death_date) as death_date
    from deaths
    group by id_number
),

medical_aid as (
    select id_number, sum(coalesce(aid_paid, 0)) as medical_aid_paid_ytd
    from claims
    where year(settle_date) = $period_year and settle_date <= $period_end
    group by id_number
),

temp_relief_this_year as (  -- payments of year(P) up to the month's end; the sum unknown when an amount is
    select
        id_number,
        count(*) as temp_relief_count_ytd,
        known_sum(amount) as temp_relief_paid_ytd
    from temp_relief
    where year(pay_date) = $period_year and pay_date <= $period_end
    group by id_number
),

exception_codes as (
    select id_number, list_sort(list_distinct(list(rule_code))) as exception_codes
    from exceptions
    where id_number is not null
    group by id_number
),

final as (
    select
        people.id_number,
        coalesce(home.name, people.name) as name,
        coalesce(home.county, people.county) as county,
        places.township,
        places.village,
        coalesce(home.in_dibao, false) as in_dibao,
        home.dibao_household_id,
        coalesce(home.in_tekun, false) as in_tekun,
        coalesce(home.on_registry, false) as on_registry,
        home.registry_household_id,
        registry_status.poverty_status,
        registry_status.labor_ability,
        low_income_members.id_number is not null as on_low_income,
        low_income_members.low_income_type,
        children_members.id_number is not null as in_children,
        children_members.child_category,
        disability.id_number is not null as disabled,
        disability.disability_level,
        -- unknown, not false, when the month has no enrollment rows at all
        case when exists (select 1 from enrollment)
             then coalesce(insurance.insured_active, false) end as insured_active,
        insurance.premium,
        insurance.premium_subsidy,
        death.death_date is not null and death.death_date <= $period_end as deceased,
        death.death_date,
        dibao_members.benefit as dibao_benefit_paid,
        dibao_members.topup as dibao_topup_paid,
        topup_due.dibao_topup_expected,
        tekun_members.basic_paid as tekun_basic_paid,
        policy_counties.tekun_basic as tekun_basic_standard,
        disability.living_subsidy,
        disability.care_subsidy,
        coalesce(medical_aid.medical_aid_paid_ytd, 0) as medical_aid_paid_ytd,
        children_members.allowance as child_allowance,
        coalesce(temp_relief_this_year.temp_relief_count_ytd, 0) as temp_relief_count_ytd,
        case when temp_relief_this_year.id_number is null then 0
             else temp_relief_this_year.temp_relief_paid_ytd end as temp_relief_paid_ytd,
        coalesce(exception_codes.exception_codes, []) as exception_codes,
        list_sort(list_distinct(people.sources)) as sources
    from people
    left join assisted_people as home using (id_number)
    left join person_places as places using (id_number)
    left join registry_status using (id_number)
    left join disability using (id_number)
    left join insurance using (id_number)
    left join death using (id_number)
    left join dibao_members using (id_number)
    left join topup_due using (id_number)
    left join tekun_members using (id_number)
    left join policy_counties on policy_counties.county = tekun_members.county
    left join medical_aid using (id_number)
    left join low_income_members using (id_number)
    left join children_members using (id_number)
    left join temp_relief_this_year using (id_number)
    left join exception_codes using (id_number)
)

select * from final
order by county, id_number
