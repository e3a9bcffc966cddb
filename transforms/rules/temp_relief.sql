-- 临时救助: relief set by need, not shared out by head, and paid to the living (SPEC §4, "The
-- seed's other programmes").
--
-- 政策原文 (四、落实临时救助制度): "进一步加大临时救助资金投入,……足额安排本级临时救助资金预算(市、县区5:5
--   分担),同时统筹使用好中央和省、市补助资金,不得平均分配,市级财政将加大对贫困地区临时救助资金的支持力度。"
--   "……及时了解、掌握、核实辖区内居民遭遇突发事件、意外事故、罹患重病等特殊情况,做到早发现、早救助、早干预。"
--
-- TEMP_RELIEF_EVEN_SPLIT   "in one township, the payments with pay_date in P number at least
--                           temp_relief_even_min (default 10) and at least temp_relief_even_share
--                           (default 0.8) of them carry the same amount"
-- TEMP_RELIEF_AFTER_DEATH  "a payment in year(P) with pay_date after the recipient's death_date"
--
-- rules/README: a township is its county code and its name as the payment rows write them; "the
-- same amount" is the same amount in fen; the share compares k / n with the policy's share, so 8 of
-- 10 is 0.8. A payment on the day of the death is not after it; the earliest death date counts;
-- payments of one person on one day are one exception, their amounts summed.
--
-- Unknowns (SPEC §2): a payment without a township or county may be any township's (of its county),
-- one without a date may be of this month; the even split is proven when the commonest amount
-- still makes the share with every such payment counted in and different, and is undecided while
-- the payments that might belong could make it. A payment without a date, or a death record
-- without one, leaves the payment after death undecided unless a known date proves it.
with
payments_this_month as (  -- in_period NULL: a payment without a date may be of this month
    select
        *,
        pay_date between $period_start and $period_end as in_period,
        round(amount, 2) as amount_fen
    from temp_relief
    where pay_date between $period_start and $period_end or pay_date is null
),

townships as (  -- every township a payment of this month names, with its county
    select distinct county, township
    from payments_this_month
    where county is not null and township is not null
),

township_payments as (  -- the payments surely of each township, and those that may be
    select
        townships.county as town_county,
        townships.township as town,
        payment.*,
        payment.county is not null and payment.township is not null and payment.in_period is not null
            as surely_here
    from townships
    join payments_this_month as payment
      on (payment.county = townships.county or payment.county is null)
     and (payment.township = townships.township or payment.township is null)
),

amounts_by_township as (  -- per township and amount (in fen): payments surely and maybe of it
    select
        town_county,
        town,
        amount_fen,
        count(*) filter (where surely_here) as sure,
        count(*) filter (where not surely_here) as maybe,
        row_number() over (partition by town_county, town
                           order by count(*) filter (where surely_here) desc,
                                    count(*) filter (where not surely_here) desc, amount_fen) as commonness
    from township_payments
    where amount_fen is not null
    group by town_county, town, amount_fen
),

township_counts as (
    select
        town_county,
        town,
        count(*) filter (where surely_here) as payments,
        count(*) filter (where not surely_here) as maybe_payments,
        count(*) filter (where surely_here and amount_fen is null) as unknown_amounts,
        count(*) filter (where not surely_here and amount_fen is null) as maybe_unknown_amounts,
        string_agg(distinct src_file, '、' order by src_file) filter (where surely_here) as files,
        list(source_ref(src_file, src_sheet, src_row, src_member)) filter (where surely_here) as sources
    from township_payments
    group by town_county, town
),

best_shares as (  -- the largest share any one amount could reach, the unknown amounts being it
    select
        counts.town_county,
        counts.town,
        greatest(
            coalesce(max((a.sure + counts.unknown_amounts + counts.maybe_unknown_amounts + a.maybe)
                         / (counts.payments + counts.maybe_unknown_amounts + a.maybe)), 0),
            coalesce((counts.unknown_amounts + counts.maybe_unknown_amounts)
                     / nullif(counts.payments + counts.maybe_unknown_amounts, 0), 0)
        ) as best_share
    from township_counts as counts
    left join amounts_by_township as a using (town_county, town)
    group by counts.town_county, counts.town, counts.payments, counts.unknown_amounts,
             counts.maybe_unknown_amounts
),

townships_judged as (
    select
        counts.*,
        commonest.amount_fen as same_amount,
        coalesce(commonest.sure, 0) as same_payments,
        -- proven: enough payments surely, and the commonest amount keeps the share even with every
        -- payment that may belong counted in with another amount
        counts.payments >= $temp_relief_even_min
            and coalesce(commonest.sure, 0)
                / nullif(counts.payments + counts.maybe_payments - coalesce(commonest.maybe, 0), 0)
                >= $temp_relief_even_share as proven,
        counts.payments + counts.maybe_payments >= $temp_relief_even_min
            and best.best_share >= $temp_relief_even_share as possible
    from township_counts as counts
    join best_shares as best using (town_county, town)
    left join amounts_by_township as commonest
      on commonest.town_county = counts.town_county and commonest.town = counts.town
     and commonest.commonness = 1
),

temp_relief_even_split as (
    select
        'TEMP_RELIEF_EVEN_SPLIT' as rule_code,
        town_county as county,
        town_county || ':' || town as subject,
        null as id_number,
        null as name,
        null as household_id,
        coalesce(county_name, town_county) || town || '本月发放临时救助 ' || payments || ' 笔，其中 '
            || same_payments || ' 笔金额同为 ' || yuan(same_amount) || ' 元（占 '
            || percent(same_payments / payments) || '）'
            || case when maybe_payments > 0
                    then '，另有 ' || maybe_payments || ' 笔乡镇或发放日期不详，无论是否计入均如此'
                    else '' end
            || '，达到不少于 ' || $temp_relief_even_min || ' 笔、同一金额占 ' || percent($temp_relief_even_share)
            || ' 以上的平均发放特征；临时救助应按困难程度和救助事由确定金额，不得平均分配，请核查（'
            || files || '）' as detail,
        null::double as expected,
        null::double as actual,
        sources,
        false as undecided
    from townships_judged
    left join policy_counties on policy_counties.county = townships_judged.town_county
    where proven
),

temp_relief_even_split_undecided as (
    select
        'TEMP_RELIEF_EVEN_SPLIT' as rule_code,
        town_county as county,
        town_county || ':' || town as subject,
        null as id_number,
        null as name,
        null as household_id,
        null as detail,
        null::double as expected,
        null::double as actual,
        coalesce(sources, []) as sources,
        true as undecided
    from townships_judged
    where not proven and possible
),

deaths_of_recipients as (
    select
        id_number,
        min(death_date) as death_date,  -- the earliest known
        bool_or(death_date is null) as death_date_unknown,  -- a death record without its date
        rows_text(src_file, src_sheet, src_row, src_member) as death_rows,
        list(source_ref(src_file, src_sheet, src_row, src_member)) as death_sources
    from deaths
    where id_number in (select id_number from temp_relief)
    group by id_number
),

payments_judged as (  -- after_death NULL: a date unknown, so the payment may have been after it
    select
        payment.*,
        died.death_date,
        died.death_rows,
        died.death_sources,
        case when payment.pay_date > died.death_date then true
             when payment.pay_date is null or died.death_date_unknown then null
             else false end as after_death
    from temp_relief as payment
    join deaths_of_recipients as died using (id_number)
    where year(payment.pay_date) = $period_year or payment.pay_date is null
),

temp_relief_after_death as (
    select
        'TEMP_RELIEF_AFTER_DEATH' as rule_code,
        coalesce(first(payment.county order by src_file, src_sheet, src_row, src_member)
                     filter (where payment.county is not null),
                 any_value(home.county)) as county,
        payment.id_number || ':' || strftime(payment.pay_date, '%Y-%m-%d') as subject,
        payment.id_number,
        first(payment.name order by src_file, src_sheet, src_row, src_member) as name,
        any_value(dibao_members.household_id) as household_id,
        first(payment.name order by src_file, src_sheet, src_row, src_member) || '已于 '
            || strftime(any_value(payment.death_date), '%Y-%m-%d') || ' 死亡（' || any_value(payment.death_rows)
            || '），' || strftime(payment.pay_date, '%Y-%m-%d') || ' 仍发放临时救助 '
            || yuan_or_unknown(known_sum(payment.amount)) || '（'
            || rows_text(src_file, src_sheet, src_row, src_member) || '），请核实并追回' as detail,
        0::double as expected,
        known_sum(payment.amount)::double as actual,
        list_concat(list(source_ref(src_file, src_sheet, src_row, src_member)), any_value(payment.death_sources))
            as sources,
        false as undecided
    from payments_judged as payment
    left join assisted_people as home using (id_number)
    left join dibao_members using (id_number)
    where payment.after_death
    group by payment.id_number, payment.pay_date
),

temp_relief_after_death_undecided as (
    select
        'TEMP_RELIEF_AFTER_DEATH' as rule_code,
        first(county order by src_file, src_sheet, src_row, src_member) as county,
        id_number || ':' || coalesce(strftime(pay_date, '%Y-%m-%d'), '日期不详') as subject,
        id_number,
        first(name order by src_file, src_sheet, src_row, src_member) as name,
        null as household_id,
        null as detail,
        null::double as expected,
        null::double as actual,
        list(source_ref(src_file, src_sheet, src_row, src_member)) as sources,
        true as undecided
    from payments_judged
    where after_death is null
    group by id_number, pay_date
),

findings as (
    select * from temp_relief_even_split
    union all by name
    select * from temp_relief_even_split_undecided
    union all by name
    select * from temp_relief_after_death
    union all by name
    select * from temp_relief_after_death_undecided
)

select * from findings
