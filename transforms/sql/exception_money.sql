-- The money of every finding, split three ways and never lumped (SPEC §5 "Where, and how much"):
-- overpaid 应追回 (paid and not due), underpaid 应补发 (due and not paid), budget_gap 预算缺口
-- (county rules). Keyed by rule and subject; exceptions.sql joins it onto the findings.
--
-- A null amount is unknown (a payment column the office did not export, a subsidy standard the
-- policy does not give): the money is then null and `money_unknown` says so, never 0. A rule with no
-- line in `money_rules` carries no money (all three null, money_unknown false).
--
-- A new rule with money is one line in `money_rules`: its basis (how the amount is found) and its
-- side (overpaid, underpaid, budget_gap, or by_sign: the difference as overpaid or underpaid by its
-- sign). The generic bases: `actual` (the amount paid), `difference` (expected − actual).
create or replace temp table exception_money as
with
money_rules(rule_code, basis, side) as (values
    ('DIBAO_TEKUN_OVERLAP',            'dibao_paid',       'overpaid'),    -- 特困供养 takes the place of 低保
    ('DUPLICATE_ENROLLMENT',           'duplicate_paid',   'overpaid'),    -- every payment beyond the largest
    ('DECEASED_STILL_PAID',            'paid_since_death', 'overpaid'),    -- 测算: × months since the death
    ('DIBAO_EXIT_DUE',                 'household_paid',   'overpaid'),
    ('DIBAO_TOPUP_MISMATCH',           'difference',       'by_sign'),
    ('TEKUN_BELOW_STANDARD',           'difference',       'by_sign'),
    ('PREMIUM_NOT_SUBSIDIZED',         'difference',       'by_sign'),
    ('MEDICAL_AID_SHORTFALL',          'difference',       'by_sign'),
    ('DISABILITY_LIVING_INELIGIBLE',   'actual',           'overpaid'),
    ('DISABILITY_CARE_INELIGIBLE',     'actual',           'overpaid'),
    ('DISABILITY_LIVING_MISSING',      'living_standard',  'underpaid'),
    ('DISABILITY_CARE_MISSING',        'care_standard',    'underpaid'),
    ('TEMP_RELIEF_AFTER_DEATH',        'actual',           'overpaid'),
    ('CHILD_ALLOWANCE_BELOW_STANDARD', 'difference',       'underpaid'),
    ('TEKUN_CARE_BELOW_STANDARD',      'difference',       'underpaid'),
    ('TEKUN_STANDARD_BELOW_FLOOR',     'floor_gap',        'budget_gap'),  -- × the county's 特困 persons
    ('TEMP_RELIEF_BUDGET_SHORT',       'difference',       'budget_gap')
),

-- What each row of the paying rosters paid this month (null where a payment column is unknown).
payment_rows as (
    select 'dibao' as dataset, id_number, household_id, benefit + topup as paid from dibao
    union all
    select 'tekun', id_number, null, basic_paid + care_paid from tekun
    union all
    select 'persons', id_number, null, living_subsidy + care_subsidy from persons
),

dibao_paid as (
    select id_number, sum(paid) as amount
    from payment_rows where dataset = 'dibao'
    group by id_number
),

household_paid as (
    select household_id, sum(paid) as amount
    from payment_rows where dataset = 'dibao'
    group by household_id
),

-- DUPLICATE_ENROLLMENT: in each dataset where the ID repeats, every payment beyond the largest one.
duplicate_paid as (
    select id_number, sum(beyond_largest) as amount
    from (
        select id_number, dataset,
               case when bool_and(paid is not null) then sum(paid) - max(paid) end as beyond_largest
        from payment_rows
        group by id_number, dataset
        having count(*) >= 2
    )
    group by id_number
),

-- DECEASED_STILL_PAID: payment stops "from the next month": the months from the month after the
-- death through P, this month's payment for each (an estimate, 测算).
months_since_death as (
    select
        id_number,
        min(death_date) as death_date,
        (year($period_start) * 12 + month($period_start))
            - (year(min(death_date)) * 12 + month(min(death_date))) as months
    from deaths
    group by id_number
),

disability_levels as (
    select id_number, min(disability_level) as level
    from persons
    group by id_number
),

tekun_people as (
    select county, count(distinct id_number) as people
    from tekun
    group by county
),

amounts as (
    select
        findings.rule_code,
        findings.subject,
        money_rules.side,
        case money_rules.basis
            when 'actual' then findings.actual
            when 'difference' then round(findings.expected - findings.actual, 2)
            when 'dibao_paid' then dibao_paid.amount
            when 'household_paid' then household_paid.amount
            when 'duplicate_paid' then duplicate_paid.amount
            when 'paid_since_death' then round(findings.actual * deaths.months, 2)
            when 'living_standard' then $living_subsidy_monthly
            when 'care_standard' then ($care_subsidy_by_level::double[])[levels.level]
            when 'floor_gap' then round((findings.expected - findings.actual) * coalesce(tekun_people.people, 0), 2)
        end as amount,
        case when money_rules.basis = 'paid_since_death' and findings.actual is not null
             then '应追回金额为测算：本月发放 ' || yuan(findings.actual) || ' 元 × ' || deaths.months
                  || ' 个月（死亡次月 ' || strftime(deaths.death_date + interval 1 month, '%Y-%m')
                  || ' 至本月）＝ ' || yuan(findings.actual * deaths.months) || ' 元'
        end as money_note
    from rule_findings as findings
    join money_rules using (rule_code)
    left join dibao_paid on dibao_paid.id_number = findings.id_number
    left join household_paid on household_paid.household_id = findings.subject
    left join duplicate_paid on duplicate_paid.id_number = findings.subject
    left join months_since_death as deaths on deaths.id_number = findings.id_number
    left join disability_levels as levels on levels.id_number = findings.id_number
    left join tekun_people on tekun_people.county = findings.subject
),

final as (
    select
        rule_code,
        subject,
        case when side = 'overpaid' then amount
             when side = 'by_sign' and amount < 0 then -amount
             when side = 'by_sign' and amount >= 0 then 0.0 end as overpaid,
        case when side = 'underpaid' then amount
             when side = 'by_sign' and amount > 0 then amount
             when side = 'by_sign' and amount <= 0 then 0.0 end as underpaid,
        case when side = 'budget_gap' then amount end as budget_gap,
        amount is null as money_unknown,
        money_note
    from amounts
)

select * from final;
