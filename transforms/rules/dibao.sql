-- 低保: who should leave, who should be looked at, and the class top-up (SPEC §4).
--
-- DIBAO_EXIT_DUE           "the household's monthly per-capita income exceeds its 低保 standard (county,
--                           urban/rural): income = max(roster per_capita_income, annual_income_per_capita
--                           / 12 from any member's 建档立卡 row)"
-- EXITED_POVERTY_ON_DIBAO  "a 低保 household has a member whose 建档立卡 status is 已脱贫 (核查重点)"
-- DIBAO_TOPUP_MISMATCH     "|topup − expected| > tolerance, expected = ratio(category) × the member's own
--                           benefit (0 for C/none; the seed: '按其本人享受标准的30%和20%分类别增发')"
--
-- Income and standard per household come from the view dibao_households (sql/dibao_households.sql),
-- which the household roster reads too. Income equal to the standard is not due to exit.
-- Amounts are compared in fen, so a difference of exactly the tolerance never fires.
--
-- Unknowns (SPEC §2; macros.sql): `fires` is true when the known facts prove the rule, false when
-- they disprove it, NULL when the answer depends on a fact no sheet gave (undecided). An income
-- above every standard the household may have proves DIBAO_EXIT_DUE even with the roster's income
-- or area type unknown; an unknown roster income leaves a household below it undecided.
with
exit_due_judged as (
    select
        *,
        case when income_used > standard_max then true
             when not income_unknown and income_used <= standard_min then false
        end as fires
    from dibao_households
),

dibao_exit_due as (
    select
        'DIBAO_EXIT_DUE' as rule_code,
        county,
        household_id as subject,
        head_id_number as id_number,
        head_name as name,
        household_id,
        '该户家庭月人均收入 ' || yuan(income_used) || ' 元'
            || case when registry_income_monthly > coalesce(per_capita_income, 0)
                    then '（按建档立卡家庭年人均纯收入 ' || yuan(registry_income_annual)
                         || ' 元折算，低保花名册登记为 ' || yuan(per_capita_income) || ' 元）'
                    else '' end
            || '，高于' || case area_type when 'urban' then '城市' when 'rural' then '农村' else '' end
            || '低保标准 ' || case when standard_min = standard_max then yuan(standard_max)
                                   else yuan(standard_min) || '～' || yuan(standard_max) end
            || ' 元' || case when standard is null then '（城乡类别或区县不详，按可能的最高标准判断）' else '' end
            || '，应按程序退出低保' as detail,
        coalesce(standard, standard_max)::double as expected,
        income_used::double as actual,
        sources,
        fires is null as undecided
    from exit_due_judged
    where fires is distinct from false
),

rows_without_a_household as (  -- a sheet without 户编号: the household, and so its income, unknown
    select
        'DIBAO_EXIT_DUE' as rule_code,
        county,
        id_number as subject,
        id_number,
        name,
        null as household_id,
        null as detail,
        null::double as expected,
        null::double as actual,
        [source_ref(src_file, src_sheet, src_row, src_member)] as sources,
        true as undecided
    from dibao
    where household_id is null
),

members_on_the_registry as (  -- poverty_status NULL: a sheet without the status column
    select
        dibao.household_id,
        dibao.id_number,
        dibao.name,
        registry.exit_year,
        registry.poverty_status,
        dibao.src_file,
        dibao.src_sheet,
        dibao.src_row,
        dibao.src_member,
        [source_ref(dibao.src_file, dibao.src_sheet, dibao.src_row, dibao.src_member),
         source_ref(registry.src_file, registry.src_sheet, registry.src_row, registry.src_member)] as sources
    from dibao
    join registry using (id_number)
    where dibao.household_id is not null
),

households_judged as (
    select household_id, any_true(poverty_status = 'exited') as fires
    from members_on_the_registry
    group by household_id
),

members_exited_poverty as (
    select *
    from members_on_the_registry
    where poverty_status = 'exited'
),

exited_poverty_on_dibao as (
    select
        'EXITED_POVERTY_ON_DIBAO' as rule_code,
        any_value(households.county) as county,
        members.household_id as subject,
        first(members.id_number order by members.src_file, members.src_sheet, members.src_row, members.src_member)
            as id_number,
        first(members.name order by members.src_file, members.src_sheet, members.src_row, members.src_member) as name,
        members.household_id,
        '该低保户成员'
            || array_to_string(list_sort(list_distinct(list(members.name))), '、')
            || '在建档立卡系统中已脱贫'
            || coalesce('（脱贫年度 '
                        || array_to_string(list_sort(list_distinct(
                               list(members.exit_year) filter (where members.exit_year is not null))), '、')
                        || '）', '')
            || '，请核查家庭收入和财产状况是否仍符合低保条件' as detail,
        null::double as expected,
        null::double as actual,
        flatten(list(members.sources)) as sources,
        false as undecided
    from members_exited_poverty as members
    join dibao_households as households using (household_id)
    group by members.household_id
),

exited_poverty_undecided as (  -- members on 建档立卡 whose status no sheet gave
    select
        'EXITED_POVERTY_ON_DIBAO' as rule_code,
        any_value(households.county) as county,
        judged.household_id as subject,
        any_value(households.head_id_number) as id_number,
        any_value(households.head_name) as name,
        judged.household_id,
        null as detail,
        null::double as expected,
        null::double as actual,
        flatten(list(members.sources)) as sources,
        true as undecided
    from households_judged as judged
    join members_on_the_registry as members using (household_id)
    join dibao_households as households using (household_id)
    where judged.fires is null
    group by judged.household_id
),

topup_ratios as (  -- the ratios the member's class allows: all of them when the class is unknown
    select
        *,
        case when category is null then (select list(ratio) || [0.0] from policy_topup_ratios)
             else [topup_ratio(category)] end as possible_ratios
    from dibao
),

topup_expected as (
    select
        *,
        -- the due top-up nearest to what was paid, among those the class allows
        list_sort(list_transform(possible_ratios, lambda r: {
            'gap': abs(coalesce(topup, 0) - round(r * benefit, 2)), 'due': round(r * benefit, 2), 'ratio': r
        }))[1] as nearest_due,
        list_transform(possible_ratios, lambda r: round(abs(topup - round(r * benefit, 2)), 2) > $tolerance)
            as mismatch_by_ratio,
        topup as paid_topup
    from topup_ratios
),

topup_judged as (
    select
        *,
        case when topup is null then null  -- a sheet without 分类施保金: any top-up may have been paid
             when benefit is null then (case when list_max(possible_ratios) = 0 then topup > $tolerance end)
             when list_bool_and(mismatch_by_ratio) then true
             when not list_bool_or(mismatch_by_ratio) then false
        end as fires,
        nearest_due.due as expected_topup,
        nearest_due.ratio as topup_ratio
    from topup_expected
),

topup_mismatched_rows as (
    select *
    from topup_judged
    where fires
),

topup_undecided as (
    select
        'DIBAO_TOPUP_MISMATCH' as rule_code,
        first(county order by src_file, src_sheet, src_row, src_member) as county,
        id_number as subject,
        id_number,
        first(name order by src_file, src_sheet, src_row, src_member) as name,
        first(household_id order by src_file, src_sheet, src_row, src_member) as household_id,
        null as detail,
        null::double as expected,
        null::double as actual,
        list(source_ref(src_file, src_sheet, src_row, src_member)) as sources,
        true as undecided
    from topup_judged
    where fires is null and id_number not in (select id_number from topup_mismatched_rows)
    group by id_number
),

dibao_topup_mismatch as (
    select
        'DIBAO_TOPUP_MISMATCH' as rule_code,
        first(county order by src_file, src_sheet, src_row, src_member) as county,
        id_number as subject,
        id_number,
        first(name order by src_file, src_sheet, src_row, src_member) as name,
        first(household_id order by src_file, src_sheet, src_row, src_member) as household_id,
        first(name order by src_file, src_sheet, src_row, src_member) || '为低保'
            || case when first(category order by src_file, src_sheet, src_row, src_member) is null then '（类别不详）'
                    when first(category order by src_file, src_sheet, src_row, src_member) = 'none' then '（未分类）'
                    else ' ' || first(category order by src_file, src_sheet, src_row, src_member) || ' 类' end
            || '对象，月保障金 ' || yuan(sum(benefit)) || ' 元，应发分类施保金 '
            || yuan(sum(expected_topup)) || ' 元（'
            || percent(first(topup_ratio order by src_file, src_sheet, src_row, src_member)) || '），实发 '
            || yuan(sum(paid_topup)) || ' 元，'
            || case when sum(paid_topup) > sum(expected_topup) then '多发 ' else '少发 ' end
            || yuan(abs(sum(paid_topup) - sum(expected_topup))) || ' 元（'
            || rows_text(src_file, src_sheet, src_row, src_member) || '）' as detail,
        sum(expected_topup)::double as expected,
        sum(paid_topup)::double as actual,
        list(source_ref(src_file, src_sheet, src_row, src_member)) as sources,
        false as undecided
    from topup_mismatched_rows
    group by id_number
),

findings as (
    select * from dibao_exit_due
    union all by name
    select * from rows_without_a_household
    union all by name
    select * from exited_poverty_on_dibao
    union all by name
    select * from exited_poverty_undecided
    union all by name
    select * from dibao_topup_mismatch
    union all by name
    select * from topup_undecided
)

select * from findings
