# Session durations per tenant, device class and day (sessions started that day and ended).
view: rpt_session_duration_daily {
  sql_table_name: @{dataset}.rpt_session_duration_daily ;;

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: CONCAT(CAST(${TABLE}.report_date AS STRING), '|', ${TABLE}.tenant_id, '|', ${TABLE}.device) ;;
  }

  dimension_group: report {
    type: time
    datatype: date
    convert_tz: no
    timeframes: [raw, date, week, month, quarter, year]
    sql: ${TABLE}.report_date ;;
    description: "UTC day the sessions started; the partition column."
  }

  dimension: tenant_id {
    hidden: yes
    type: string
    sql: ${TABLE}.tenant_id ;;
  }

  dimension: device {
    type: string
    sql: ${TABLE}.device ;;
    description: "Device class (unknown when the source has none)."
  }

  dimension: sessions {
    group_label: "Per tenant, device and day"
    type: number
    sql: ${TABLE}.sessions ;;
  }

  dimension: users {
    group_label: "Per tenant, device and day"
    type: number
    sql: ${TABLE}.users ;;
  }

  dimension: total_duration_seconds {
    group_label: "Per tenant, device and day"
    type: number
    sql: ${TABLE}.total_duration_seconds ;;
  }

  dimension: avg_duration_seconds {
    group_label: "Per tenant, device and day"
    type: number
    sql: ${TABLE}.avg_duration_seconds ;;
    value_format_name: decimal_1
    description: "Mean of the row. Do not average it: use Average session duration."
  }

  dimension: p50_duration_seconds {
    group_label: "Per tenant, device and day"
    type: number
    sql: ${TABLE}.p50_duration_seconds ;;
    value_format_name: decimal_1
  }

  dimension: p95_duration_seconds {
    group_label: "Per tenant, device and day"
    type: number
    sql: ${TABLE}.p95_duration_seconds ;;
    value_format_name: decimal_1
  }

  measure: sum_sessions {
    label: "Sessions"
    type: sum
    sql: ${sessions} ;;
  }

  measure: sum_duration_seconds {
    label: "Session time (s)"
    type: sum
    sql: ${total_duration_seconds} ;;
  }

  measure: average_duration_seconds {
    label: "Average session duration (s)"
    type: number
    sql: SAFE_DIVIDE(${sum_duration_seconds}, ${sum_sessions}) ;;
    value_format_name: decimal_1
    description: "Summed durations / summed sessions: exact over any rows."
  }

  # Percentiles cannot be added or averaged into a percentile of the union. The highest row value is an honest
  # upper view ("the worst tenant/device had a p95 of ..."); exact only when the query keeps one row per group.
  measure: max_p50_duration_seconds {
    label: "Highest median duration (s)"
    type: max
    sql: ${p50_duration_seconds} ;;
    value_format_name: decimal_1
    description: "The largest per-row median in each group (percentiles cannot be summed or averaged)."
  }

  measure: max_p95_duration_seconds {
    label: "Highest p95 duration (s)"
    type: max
    sql: ${p95_duration_seconds} ;;
    value_format_name: decimal_1
    description: "The largest per-row 95th percentile in each group (percentiles cannot be summed or averaged)."
  }
}
