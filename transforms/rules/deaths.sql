-- Deaths: nobody is paid after their death (SPEC §4).
--
-- DECEASED_STILL_PAID  "death_date < P_start and the person is in 低保, in 特困, or paid a disability
--                       subsidy > 0"; also "for a child paid an allowance > 0" (the seed's other
--                       programmes: 困境儿童基本生活费)
--
-- rules/README: the earliest accepted death date of the ID counts; a death inside the month is not an
-- exception (the month's payment was due). `actual` is what was paid this month, `expected` is 0.
-- Unknowns (SPEC §2): being on 低保 or 特困 proves payment whatever the amount (an unknown amount
-- is said as 金额未知); a 残联 row whose subsidy columns are missing may or may not have paid, and so
-- may a 困境儿童 row from a sheet without 基本生活费: that person, on no paying roster, is undecided.
with
deaths_before_period as (
    select
        id_number,
        min(death_date) as death_date,
        first(name order by src_file, src_sheet, src_row, src_member) as name,
        rows_text(src_file, src_sheet, src_row, src_member) as death_rows,
        list(source_ref(src_file, src_sheet, src_row, src_member)) as sources
    from deaths
    group by id_number
    having min(death_date) < $period_start
),

payments_this_month as (
    select id_number, 1 as programme_order, '低保' as programme, benefit + topup as paid,
           true as paid_for_sure, name, county, household_id, src_file, src_sheet, src_row, src_member
    from dibao
    union all
    select id_number, 2, '特困供养', basic_paid + care_paid,
           true, name, county, null, src_file, src_sheet, src_row, src_member
    from tekun
    union all
    select id_number, 3, '残疾人两项补贴', living_subsidy + care_subsidy,
           -- more than 0 when either known subsidy is; unknown when neither is and one is unknown
           case when coalesce(living_subsidy, 0) + coalesce(care_subsidy, 0) > 0 then true
                when living_subsidy is null or care_subsidy is null then null
                else false end,
           name, county, null, src_file, src_sheet, src_row, src_member
    from persons
    union all
    select id_number, 4, '困境儿童基本生活费', allowance,
           allowance > 0,  -- unknown when the sheet has no allowance column
           name, county, null, src_file, src_sheet, src_row, src_member
    from children
),

paid_by_programme as (
    select
        id_number,
        programme_order,
        programme,
        known_sum(paid) as paid,
        any_true(paid_for_sure) as paid_for_sure,
        first(name order by src_file, src_sheet, src_row, src_member) as name,
        first(county order by src_file, src_sheet, src_row, src_member) filter (where county is not null) as county,
        first(household_id order by src_file, src_sheet, src_row, src_member) as household_id,
        list(source_ref(src_file, src_sheet, src_row, src_member)) as sources
    from payments_this_month
    where id_number in (select id_number from deaths_before_period)
    group by id_number, programme_order, programme
    having any_true(paid_for_sure) is distinct from false
),

deceased_still_paid as (
    select
        'DECEASED_STILL_PAID' as rule_code,
        coalesce(first(paid.county order by paid.programme_order) filter (where paid.county is not null),
                 any_value(home.county)) as county,
        paid.id_number as subject,
        paid.id_number,
        first(paid.name order by paid.programme_order) as name,
        first(paid.household_id order by paid.programme_order) as household_id,
        first(paid.name order by paid.programme_order) || '已于 '
            || strftime(any_value(died.death_date), '%Y-%m-%d') || ' 死亡（'
            || any_value(died.death_rows) || '），本月仍在'
            || string_agg(paid.programme || '（' || yuan_or_unknown(paid.paid) || '）', '、'
                          order by paid.programme_order) filter (where paid.paid_for_sure)
            || '名单中，共发放 '
            || yuan_or_unknown(case when bool_or(paid.paid_for_sure and paid.paid is null) then null
                                    else sum(paid.paid) filter (where paid.paid_for_sure) end)
            || '，请立即停发并追回' as detail,
        0::double as expected,
        case when bool_or(paid.paid_for_sure and paid.paid is null) then null
             else sum(paid.paid) filter (where paid.paid_for_sure) end::double as actual,
        list_concat(flatten(list(paid.sources)), any_value(died.sources)) as sources,
        not coalesce(bool_or(paid.paid_for_sure), false) as undecided
    from paid_by_programme as paid
    join deaths_before_period as died using (id_number)
    left join assisted_people as home using (id_number)
    group by paid.id_number
),

findings as (
    select * from deceased_still_paid
)

select * from findings
