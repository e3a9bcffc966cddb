-- 临时救助 budget: enough for every registered resident at the per-capita rate (SPEC §4).
--
-- TEMP_RELIEF_BUDGET_SHORT  "temp_relief_budget < temp_relief_per_capita × registered_population"
--                           (policy: "yuan per registered resident, city:county 5:5")
--
-- rules/README: evaluated for every county of the policy file, whatever the month's data; compares
-- strictly, so a budget exactly covering the rate is not short.
with
temp_relief_budget_short as (
    select
        'TEMP_RELIEF_BUDGET_SHORT' as rule_code,
        county,
        county as subject,
        null as id_number,
        null as name,
        null as household_id,
        county_name || '本年度临时救助资金预算 ' || yuan(temp_relief_budget) || ' 元，低于按户籍人口 '
            || registered_population || ' 人、每人 ' || yuan($temp_relief_per_capita) || ' 元测算的 '
            || yuan(round($temp_relief_per_capita * registered_population, 2)) || ' 元，缺口 '
            || yuan(round($temp_relief_per_capita * registered_population, 2) - temp_relief_budget)
            || ' 元，请按规定足额安排' as detail,
        round($temp_relief_per_capita * registered_population, 2)::double as expected,
        temp_relief_budget::double as actual,
        []::varchar[] as sources,
        false as undecided
    from policy_counties
    where temp_relief_budget < round($temp_relief_per_capita * registered_population, 2)
),

findings as (
    select * from temp_relief_budget_short
)

select * from findings
