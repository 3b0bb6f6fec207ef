# Real-time login windows: attempts per minute and tenant by outcome and failure reason. Partitioned by window_date
# with require_partition_filter.
view: stream_login_attempts_1m {
  sql_table_name: @{dataset}.stream_login_attempts_1m ;;

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: CONCAT(CAST(${TABLE}.window_start AS STRING), '|', ${TABLE}.tenant_id, '|', ${TABLE}.outcome, '|', ${TABLE}.failure_reason) ;;
  }

  dimension_group: window_start {
    label: "Window"
    type: time
    timeframes: [raw, time, minute, minute5, minute15, hour, date]
    sql: ${TABLE}.window_start ;;
  }

  dimension_group: window {
    label: "Window day"
    type: time
    datatype: date
    convert_tz: no
    timeframes: [raw, date]
    sql: ${TABLE}.window_date ;;
    description: "UTC date of the window; the partition column (required)."
  }

  dimension: tenant_id {
    hidden: yes
    type: string
    sql: ${TABLE}.tenant_id ;;
  }

  dimension: outcome {
    type: string
    sql: ${TABLE}.outcome ;;
    description: "success | failure."
  }

  dimension: failure_reason {
    type: string
    sql: ${TABLE}.failure_reason ;;
  }

  dimension: attempts {
    group_label: "Per window"
    type: number
    sql: ${TABLE}.attempts ;;
  }

  dimension_group: updated {
    type: time
    timeframes: [raw, time]
    sql: ${TABLE}.updated_at ;;
  }

  dimension: seconds_to_last_update {
    label: "Window settle time (s)"
    type: number
    sql: TIMESTAMP_DIFF(${TABLE}.updated_at, TIMESTAMP_ADD(${TABLE}.window_start, INTERVAL 1 MINUTE), SECOND) ;;
  }

  measure: sum_attempts {
    label: "Login attempts"
    type: sum
    sql: ${attempts} ;;
  }

  measure: sum_failures {
    label: "Failed logins"
    type: sum
    sql: ${attempts} ;;
    filters: [outcome: "failure"]
  }

  measure: failure_rate {
    label: "Login failure rate"
    type: number
    sql: SAFE_DIVIDE(${sum_failures}, ${sum_attempts}) ;;
    value_format_name: percent_1
  }

  measure: max_settle_seconds {
    label: "Longest window settle time (s)"
    type: max
    sql: ${seconds_to_last_update} ;;
  }
}
