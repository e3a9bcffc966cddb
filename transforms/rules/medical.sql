-- Medical assistance: 低保 and 特困 persons are insured at public cost and aided after each stay, and
-- the aid reaches low-income families and households made poor by illness (SPEC §4).
--
-- PREMIUM_NOT_SUBSIDIZED  "a person in 低保 or 特困 has no active enrollment for year(P), or
--                          premium_subsidy < premium − tolerance"
-- MEDICAL_AID_SHORTFALL   "a claim settled within P of a person in 低保 or 特困: oop = max(0, compliant_cost
--                          − basic_paid − critical_paid − supplementary_paid); expected = min(ratio × oop,
--                          cap − aid_paid on that person's earlier claims in year(P): settled before it, or
--                          the same day with a smaller claim_id); aid_paid < expected − tolerance
--                          (ratio: 特困 ratio for 特困 persons)"; extended ("The seed's other
--                          programmes"): "also covers persons on low_income and members of 建档立卡
--                          households whose status is poor and whose cause contains 因病 (因病, 因病致贫,
--                          因病返贫), at medical_aid_ratio_low_income (optional; without it these persons
--                          are not covered); 特困 and 低保 keep their own ratios and take precedence"
--                          (政策原文: "救助范围从低保对象、特困供养人员(重点救助对象),扩大至低收入家庭及因病
--                          致贫家庭重特大疾病患者等")
--
-- rules/README: an enrollment counts when year = year(P) and its status is active; the person is
-- subsidised when any such row has premium_subsidy >= premium − tolerance. Earlier aid counts claims
-- of any month of year(P) and of any roster status; claim_ids are compared as text; a person in 特困
-- gets the 特困 ratio even when also in 低保. Amounts are compared in fen.
--
-- Unknowns (SPEC §2): an enrollment row from a sheet without 参保状态, 参保年度, 个人缴费标准 or
-- 资助金额 may or may not be the active, subsidised one: the person is undecided unless another row
-- settles it. A claim is judged on bounds: every amount no sheet gave lies anywhere from 0 up
-- ('infinity'), so the aid due lies between `expected_low` and `expected_high` and the aid paid
-- between `paid_low` and `paid_high`; the claim fires when even the least aid due exceeds the
-- most aid paid by more than the tolerance, and is undecided when neither that nor its opposite is proven.
-- A 建档立卡 household is poor by illness when one of its rows says poor and one names 因病 in its
-- cause; a row without a household number is its own household. Its members are covered (at the
-- low-income ratio) only when that is proven; where the status or cause is unknown, a claim that
-- would be short is undecided. PREMIUM_NOT_SUBSIDIZED stays with 低保 and 特困 persons.
with
assisted as (
    select
        *,
        case when in_dibao and in_tekun then '低保对象、特困供养人员'
             when in_tekun then '特困供养人员'
             else '低保对象' end as programme,
        list_concat(dibao_sources, tekun_sources) as roster_sources
    from assisted_people
    where in_dibao or in_tekun
),

enrollment_judged as (  -- each row: proven subsidised this year (true), proven not (false), or unknown
    select
        *,
        (year = $period_year) and (insured_status = 'active')
            and (round(premium - premium_subsidy, 2) <= $tolerance) as subsidised
    from enrollment
    where year = $period_year or year is null
),

enrollment_this_year as (
    select
        id_number,
        any_true(subsidised) as any_subsidised,
        bool_or(insured_status = 'active' and year = $period_year) as any_active,
        min(round(premium - premium_subsidy, 2))
            filter (where insured_status = 'active' and year = $period_year) as premium_shortfall,
        arg_min(premium, round(premium - premium_subsidy, 2))
            filter (where insured_status = 'active' and year = $period_year) as premium,
        arg_min(premium_subsidy, round(premium - premium_subsidy, 2))
            filter (where insured_status = 'active' and year = $period_year) as premium_subsidy,
        first(county order by src_file, src_sheet, src_row, src_member) filter (where county is not null) as county,
        rows_text(src_file, src_sheet, src_row, src_member) as rows_text,
        list(source_ref(src_file, src_sheet, src_row, src_member)) as sources
    from enrollment_judged
    group by id_number
),

premium_not_subsidized as (
    select
        'PREMIUM_NOT_SUBSIDIZED' as rule_code,
        coalesce(enrolled.county, assisted.county) as county,
        assisted.id_number as subject,
        assisted.id_number,
        assisted.name,
        assisted.dibao_household_id as household_id,
        assisted.name || '为' || assisted.programme || '，'
            || case when coalesce(enrolled.any_active, false)
                    then $period_year || ' 年度个人缴费标准 ' || yuan(enrolled.premium) || ' 元，资助 '
                         || yuan(enrolled.premium_subsidy) || ' 元，少资助 '
                         || yuan(enrolled.premium_shortfall) || ' 元，应全额资助参保'
                    when enrolled.id_number is not null
                    then $period_year || ' 年度参保状态不是正常参保，应恢复参保并由财政资助'
                    else '未查到 ' || $period_year || ' 年度参保记录，应由财政资助参保'
               end
            || coalesce('（' || enrolled.rows_text || '）', '') as detail,
        enrolled.premium::double as expected,
        enrolled.premium_subsidy::double as actual,
        list_concat(assisted.roster_sources, enrolled.sources) as sources,
        enrolled.id_number is not null and enrolled.any_subsidised is null as undecided
    from assisted
    left join enrollment_this_year as enrolled using (id_number)
    where enrolled.id_number is null or enrolled.any_subsidised is distinct from true
),

illness_households as (  -- NULL: the status or the cause of a row is unknown
    select
        coalesce(household_id, id_number) as household_key,
        any_true(poverty_status = 'poor') and any_true(cause like '%因病%') as poor_by_illness
    from registry
    group by household_key
),

illness_members as (  -- members of 建档立卡 households poor by illness, proven (true) or maybe (NULL)
    select
        registry.id_number,
        first(registry.county order by src_file, src_sheet, src_row, src_member)
            filter (where registry.county is not null) as county,
        any_true(households.poor_by_illness) as poor_by_illness,
        list(source_ref(src_file, src_sheet, src_row, src_member)) as sources
    from registry
    join illness_households as households
      on households.household_key = coalesce(registry.household_id, registry.id_number)
    group by registry.id_number
),

aided_people as (  -- whose hospital stays medical aid covers, at which ratio (特困, 低保, then 低收入)
    select
        ids.id_number,
        coalesce(assisted.county, low.county, ill.county) as home_county,
        assisted.dibao_household_id,
        case when assisted.in_tekun then $medical_aid_ratio_tekun
             when assisted.in_dibao then $medical_aid_ratio
             else $medical_aid_ratio_low_income end as ratio,
        case when assisted.id_number is not null or low.id_number is not null then true
             else ill.poor_by_illness end as covered,
        coalesce(assisted.roster_sources, list_concat(coalesce(low.sources, []), coalesce(ill.sources, [])))
            as roster_sources
    from (
        select id_number from assisted
        union
        select id_number from low_income_members where $medical_aid_ratio_low_income is not null
        union
        select id_number from illness_members
        where poor_by_illness is distinct from false and $medical_aid_ratio_low_income is not null
    ) as ids
    left join assisted using (id_number)
    left join low_income_members as low using (id_number)
    left join illness_members as ill using (id_number)
),

claims_of_the_year as (  -- a claim without a settlement date may be of this year, and earlier
    select *
    from claims
    where year(settle_date) = $period_year or settle_date is null
),

claims_in_period as (  -- in_period NULL: a claim without a settlement date may be in P
    select
        claims.*,
        claims.settle_date between $period_start and $period_end as in_period,
        aided.ratio,
        aided.covered,
        aided.dibao_household_id,
        aided.home_county,
        aided.roster_sources
    from claims_of_the_year as claims
    join aided_people as aided using (id_number)
    where claims.settle_date between $period_start and $period_end or claims.settle_date is null
),

aid_on_earlier_claims as (  -- what the earlier claims paid: at least `earlier_low`, at most `earlier_high`
    select
        src_file,
        src_sheet,
        src_row,
        sum(coalesce(earlier_aid_paid, 0)) filter (where is_earlier) as earlier_low,
        sum(coalesce(earlier_aid_paid, 'infinity'::double)) as earlier_high,
        list(earlier_source) filter (where is_earlier and earlier_aid_paid > 0) as earlier_sources
    from (
        select
            claim.src_file,
            claim.src_sheet,
            claim.src_row,
            earlier.aid_paid as earlier_aid_paid,
            source_ref(earlier.src_file, earlier.src_sheet, earlier.src_row, earlier.src_member) as earlier_source,
            -- NULL when a settlement date is unknown: the claim may have been earlier
            earlier.settle_date < claim.settle_date
                or (earlier.settle_date = claim.settle_date and earlier.claim_id < claim.claim_id) as is_earlier
        from claims_in_period as claim
        join claims_of_the_year as earlier
          on earlier.id_number = claim.id_number
         and (earlier.src_file, earlier.src_sheet, earlier.src_row)
             is distinct from (claim.src_file, claim.src_sheet, claim.src_row)
    )
    where is_earlier is distinct from false
    group by src_file, src_sheet, src_row
),

medical_aid_expected as (
    select
        claim.*,
        coalesce(earlier.earlier_low, 0) as earlier_aid,
        coalesce(earlier.earlier_high, 0) as earlier_aid_high,
        coalesce(earlier.earlier_sources, []) as earlier_sources,
        greatest(0, claim.compliant_cost - claim.basic_paid - coalesce(claim.critical_paid, 0)
                    - coalesce(claim.supplementary_paid, 0)) as out_of_pocket_high_known,
        coalesce(out_of_pocket_high_known, 'infinity'::double) as out_of_pocket_high,
        greatest(0, claim.compliant_cost - claim.basic_paid - claim.critical_paid
                    - claim.supplementary_paid) as out_of_pocket,
        coalesce(out_of_pocket, 0) as out_of_pocket_low,
        greatest(0, $medical_aid_annual_cap - coalesce(earlier.earlier_low, 0)) as cap_left,
        greatest(0, $medical_aid_annual_cap - coalesce(earlier.earlier_high, 0)) as cap_left_low,
        round(least(ratio * out_of_pocket_low, cap_left_low), 2) as expected_low,
        round(least(ratio * out_of_pocket_high, cap_left), 2) as expected_high,
        round(least(ratio * out_of_pocket, cap_left), 2) as expected_aid,
        coalesce(claim.aid_paid, 0) as paid_low,
        coalesce(claim.aid_paid, 'infinity'::double) as paid_high,
        claim.aid_paid as paid_aid
    from claims_in_period as claim
    left join aid_on_earlier_claims as earlier using (src_file, src_sheet, src_row)
),

medical_aid_judged as (
    select
        *,
        case when in_period and covered and round(expected_low - paid_high, 2) > $tolerance then true
             when round(expected_high - paid_low, 2) <= $tolerance then false
        end as fires
    from medical_aid_expected
),

medical_aid_shortfall as (
    select
        'MEDICAL_AID_SHORTFALL' as rule_code,
        coalesce(first(county order by src_file, src_sheet, src_row, src_member) filter (where county is not null),
                 any_value(home_county)) as county,
        claim_id as subject,
        first(id_number order by src_file, src_sheet, src_row, src_member) as id_number,
        first(name order by src_file, src_sheet, src_row, src_member) as name,
        first(dibao_household_id order by src_file, src_sheet, src_row, src_member) as household_id,
        '结算单 ' || claim_id
            || case when regexp_full_match(claim_id, 'D[0-9a-f]{12}')
                    then '（导出表无结算单号，此编号由身份证号、入院日期、结算日期和政策范围内费用推算）' else '' end
            || '（' || first(name order by src_file, src_sheet, src_row, src_member) || '，'
            || strftime(min(settle_date), '%Y-%m-%d') || ' 结算）政策范围内个人自付 '
            || case when bool_or(out_of_pocket is null) then '至少 ' || yuan(sum(out_of_pocket_low))
                    else yuan(sum(out_of_pocket)) end
            || ' 元，按 ' || percent(any_value(ratio)) || ' 应救助'
            || case when bool_or(expected_aid is null) then '至少 ' else ' ' end
            || yuan(sum(expected_low)) || ' 元'
            || case when bool_or(ratio * out_of_pocket_low > cap_left_low)
                    then '（本年度救助封顶线 ' || yuan($medical_aid_annual_cap) || ' 元，此前已救助 '
                         || yuan(max(earlier_aid)) || ' 元，剩余 ' || yuan(min(cap_left)) || ' 元）'
                    else '' end
            || '，实际救助 ' || yuan(sum(paid_high)) || ' 元，少救助 '
            || yuan(sum(expected_low) - sum(paid_high)) || ' 元，请补足（'
            || rows_text(src_file, src_sheet, src_row, src_member) || '）' as detail,
        sum(expected_low)::double as expected,
        sum(paid_high)::double as actual,
        list_concat(list(source_ref(src_file, src_sheet, src_row, src_member)),
                    flatten(list(earlier_sources)),
                    flatten(list(roster_sources))) as sources,
        false as undecided
    from medical_aid_judged
    where fires
    group by claim_id
),

medical_aid_undecided as (
    select
        'MEDICAL_AID_SHORTFALL' as rule_code,
        coalesce(first(county order by src_file, src_sheet, src_row, src_member) filter (where county is not null),
                 any_value(home_county)) as county,
        claim_id as subject,
        first(id_number order by src_file, src_sheet, src_row, src_member) as id_number,
        first(name order by src_file, src_sheet, src_row, src_member) as name,
        first(dibao_household_id order by src_file, src_sheet, src_row, src_member) as household_id,
        null as detail,
        null::double as expected,
        null::double as actual,
        list(source_ref(src_file, src_sheet, src_row, src_member)) as sources,
        true as undecided
    from medical_aid_judged
    where fires is null and claim_id not in (select claim_id from medical_aid_judged where fires)
    group by claim_id
),

findings as (
    select * from premium_not_subsidized
    union all by name
    select * from medical_aid_shortfall
    union all by name
    select * from medical_aid_undecided
)

select * from findings
