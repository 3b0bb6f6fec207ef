# Active users per tenant and day (DAU, WAU, MAU, stickiness). Partitioned by report_date, clustered by tenant_id.
view: rpt_engagement_daily {
  sql_table_name: @{dataset}.rpt_engagement_daily ;;

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: CONCAT(CAST(${TABLE}.report_date AS STRING), '|', ${TABLE}.tenant_id) ;;
  }

  dimension_group: report {
    type: time
    datatype: date
    convert_tz: no
    timeframes: [raw, date, week, month, quarter, year]
    sql: ${TABLE}.report_date ;;
    description: "UTC day the figures describe; the partition column."
  }

  dimension: tenant_id {
    hidden: yes
    type: string
    sql: ${TABLE}.tenant_id ;;
  }

  dimension: dau {
    group_label: "Per tenant and day"
    type: number
    sql: ${TABLE}.dau ;;
    description: "Distinct users active on the day."
  }

  dimension: wau {
    group_label: "Per tenant and day"
    type: number
    sql: ${TABLE}.wau ;;
    description: "Distinct users active over the 7 days ending on the day."
  }

  dimension: mau {
    group_label: "Per tenant and day"
    type: number
    sql: ${TABLE}.mau ;;
    description: "Distinct users active over the 30 days ending on the day."
  }

  dimension: stickiness {
    group_label: "Per tenant and day"
    type: number
    sql: ${TABLE}.stickiness ;;
    value_format_name: percent_1
    description: "dau / mau of the row. Do not average it: use Overall stickiness."
  }

  dimension: weekly_stickiness {
    group_label: "Per tenant and day"
    type: number
    sql: ${TABLE}.weekly_stickiness ;;
    value_format_name: percent_1
    description: "dau / wau of the row. Do not average it: use Overall weekly stickiness."
  }

  dimension: new_users {
    group_label: "Per tenant and day"
    type: number
    sql: ${TABLE}.new_users ;;
  }

  dimension: total_users {
    group_label: "Per tenant and day"
    type: number
    sql: ${TABLE}.total_users ;;
    description: "Users existing (not deleted) at the end of the day."
  }

  # Each user belongs to one tenant, so the distinct counts add up across tenants on one day. Summed over several
  # days they count user-days: chart them by day.
  measure: sum_dau {
    label: "DAU"
    type: sum
    sql: ${dau} ;;
    description: "Daily active users, added up over tenants (per day: over days it counts user-days)."
  }

  measure: sum_wau {
    label: "WAU"
    type: sum
    sql: ${wau} ;;
    description: "Weekly active users, added up over tenants (per day)."
  }

  measure: sum_mau {
    label: "MAU"
    type: sum
    sql: ${mau} ;;
    description: "Monthly active users, added up over tenants (per day)."
  }

  measure: overall_stickiness {
    label: "Stickiness (DAU/MAU)"
    type: number
    sql: SAFE_DIVIDE(${sum_dau}, ${sum_mau}) ;;
    value_format_name: percent_1
    description: "Summed DAU / summed MAU over the rows of the query (a weighted ratio, not an average of ratios)."
  }

  measure: overall_weekly_stickiness {
    label: "Weekly stickiness (DAU/WAU)"
    type: number
    sql: SAFE_DIVIDE(${sum_dau}, ${sum_wau}) ;;
    value_format_name: percent_1
  }

  measure: sum_new_users {
    label: "New users"
    type: sum
    sql: ${new_users} ;;
  }

  measure: sum_total_users {
    label: "Users"
    type: sum
    sql: ${total_users} ;;
    description: "Existing users at the end of the day, added up over tenants (per day)."
  }
}
