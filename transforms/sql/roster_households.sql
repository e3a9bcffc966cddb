-- roster_households (SPEC §5): one row per 低保 household with its members, income, standard,
-- payments and exit-due flag. Income and standard are the view dibao_households, the same
-- numbers DIBAO_EXIT_DUE compares. Exception codes: those whose household_id is the household,
-- except the rules whose household is a 建档立卡 one ($registry_household_rules).
with
exception_codes as (
    select household_id, list_sort(list_distinct(list(rule_code))) as exception_codes
    from exceptions
    where household_id is not null
      and not list_contains($registry_household_rules, rule_code)
    group by household_id
),

final as (
    select
        households.household_id,
        households.county,
        places.township,
        places.village,
        households.area_type,
        households.members,
        households.head_name,
        households.per_capita_income,
        households.registry_income_monthly,
        households.income_used,
        households.standard,
        households.benefit_total,
        households.topup_total,
        coalesce(households.income_used > households.standard, false) as exit_due,
        coalesce(exception_codes.exception_codes, []) as exception_codes,
        list_sort(list_distinct(households.sources)) as sources
    from dibao_households as households
    left join exception_codes using (household_id)
    left join person_places as places on places.id_number = households.head_id_number
)

select * from final
order by county, household_id
