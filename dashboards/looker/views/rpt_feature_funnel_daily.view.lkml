# The recruiting funnel per tenant and day (candidate_search > candidate_profile > pipeline > interview_scheduling):
# users reaching each step in order. The explore joins the view to itself twice (funnel_start: step 1 of the same
# tenant and day; funnel_previous: the step before) so conversions are re-derived from summed users.
view: rpt_feature_funnel_daily {
  sql_table_name: @{dataset}.rpt_feature_funnel_daily ;;

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: CONCAT(CAST(${TABLE}.report_date AS STRING), '|', ${TABLE}.tenant_id, '|', CAST(${TABLE}.step AS STRING)) ;;
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

  dimension: step {
    type: number
    sql: ${TABLE}.step ;;
    description: "Position in the funnel, from 1."
  }

  dimension: step_name {
    type: string
    sql: ${TABLE}.step_name ;;
    order_by_field: step
  }

  dimension: users {
    group_label: "Per tenant, step and day"
    type: number
    sql: ${TABLE}.users ;;
  }

  dimension: conversion_from_previous {
    group_label: "Per tenant, step and day"
    type: number
    sql: ${TABLE}.conversion_from_previous ;;
    value_format_name: percent_1
    description: "Of the row. Do not average it: use Conversion from previous step."
  }

  dimension: conversion_from_start {
    group_label: "Per tenant, step and day"
    type: number
    sql: ${TABLE}.conversion_from_start ;;
    value_format_name: percent_1
    description: "Of the row. Do not average it: use Conversion from step 1."
  }

  measure: sum_users {
    label: "Users reaching the step"
    type: sum
    sql: ${users} ;;
  }

  measure: overall_conversion_from_previous {
    label: "Conversion from previous step"
    type: number
    sql: SAFE_DIVIDE(${sum_users}, ${funnel_previous.sum_users}) ;;
    value_format_name: percent_1
    description: "Users reaching the step / users reaching the step before, same tenants and days; empty at step 1."
  }

  measure: overall_conversion_from_start {
    label: "Conversion from step 1"
    type: number
    sql: SAFE_DIVIDE(${sum_users}, ${funnel_start.sum_users}) ;;
    value_format_name: percent_1
    description: "Users reaching the step / users reaching step 1, same tenants and days."
  }
}
