-- Where each person lives, as the rosters say it: the township that checks at the door (SPEC §5
-- "Where, and how much": "from the subject's roster row, 低保 then 特困 then 建档立卡 then the others").
--
-- One row per ID: the county, township and village of the first row that names a township, in
-- this order of datasets, then file order (file, sheet, row). The village is that row's, so a
-- township and a village never come from two different rows. A temp table, built once per month
-- and read by the exceptions (exception_places.sql) and the rosters.
create or replace temp table person_places as
with
rows_with_a_place as (
    select 1 as place_order, id_number, county, township, village, src_file, src_sheet, src_row, src_member from dibao
    union all
    select 2, id_number, county, township, village, src_file, src_sheet, src_row, src_member from tekun
    union all
    select 3, id_number, county, township, village, src_file, src_sheet, src_row, src_member from registry
    union all
    select 4, id_number, county, township, village, src_file, src_sheet, src_row, src_member from children
    union all
    select 5, id_number, county, township, null, src_file, src_sheet, src_row, src_member from low_income
    union all
    select 6, id_number, county, township, village, src_file, src_sheet, src_row, src_member from temp_relief
    union all
    select 7, id_number, county, township, village, src_file, src_sheet, src_row, src_member from persons
    union all
    select 8, id_number, county, township, village, src_file, src_sheet, src_row, src_member from enrollment
    union all
    select 9, id_number, county, township, village, src_file, src_sheet, src_row, src_member from claims
    union all
    select 10, id_number, county, township, village, src_file, src_sheet, src_row, src_member from deaths
),

final as (
    select
        id_number,
        first({'county': county, 'township': township, 'village': village}
              order by place_order, src_file, src_sheet, src_row, src_member) as place
    from rows_with_a_place
    where nullif(trim(township), '') is not null
    group by id_number
)

select id_number, place.county, place.township, nullif(trim(place.village), '') as village
from final;
