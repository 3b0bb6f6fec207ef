# Real-time API windows: requests per minute, tenant, endpoint and method, with DDSketch latency quantiles.
# Partitioned by window_date with require_partition_filter: every query must filter it. The sketch itself
# (latency_sketch, merged by the platform to roll quantiles up) is not exposed.
view: stream_api_performance_1m {
  sql_table_name: @{dataset}.stream_api_performance_1m ;;

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: CONCAT(CAST(${TABLE}.window_start AS STRING), '|', ${TABLE}.tenant_id, '|', ${TABLE}.endpoint, '|', ${TABLE}.method) ;;
  }

  dimension_group: window_start {
    label: "Window"
    type: time
    timeframes: [raw, time, minute, minute5, minute15, hour, date]
    sql: ${TABLE}.window_start ;;
    description: "Start of the 1-minute window of event time."
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

  dimension: endpoint {
    type: string
    sql: ${TABLE}.endpoint ;;
  }

  dimension: method {
    type: string
    sql: ${TABLE}.method ;;
  }

  dimension: requests {
    group_label: "Per window"
    type: number
    sql: ${TABLE}.requests ;;
  }

  dimension: status_4xx {
    group_label: "Per window"
    type: number
    sql: ${TABLE}.status_4xx ;;
  }

  dimension: status_5xx {
    group_label: "Per window"
    type: number
    sql: ${TABLE}.status_5xx ;;
  }

  dimension: latency_ms_sum {
    group_label: "Per window"
    type: number
    sql: ${TABLE}.latency_ms_sum ;;
  }

  dimension: latency_p50_ms {
    group_label: "Per window"
    type: number
    sql: ${TABLE}.latency_p50_ms ;;
  }

  dimension: latency_p95_ms {
    group_label: "Per window"
    type: number
    sql: ${TABLE}.latency_p95_ms ;;
  }

  dimension: latency_p99_ms {
    group_label: "Per window"
    type: number
    sql: ${TABLE}.latency_p99_ms ;;
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
    description: "From the window's end (event time) to the consumer's last write of it: processing lag plus late corrections."
  }

  measure: sum_requests {
    label: "Requests"
    type: sum
    sql: ${requests} ;;
  }

  measure: sum_status_5xx {
    label: "Server errors (5xx)"
    type: sum
    sql: ${status_5xx} ;;
  }

  measure: sum_status_4xx {
    label: "Client errors (4xx)"
    type: sum
    sql: ${status_4xx} ;;
  }

  measure: server_error_rate {
    label: "Server error rate"
    type: number
    sql: SAFE_DIVIDE(${sum_status_5xx}, ${sum_requests}) ;;
    value_format_name: percent_2
  }

  measure: sum_latency_ms {
    hidden: yes
    type: sum
    sql: ${latency_ms_sum} ;;
  }

  measure: average_latency_ms {
    label: "Mean latency (ms)"
    type: number
    sql: SAFE_DIVIDE(${sum_latency_ms}, ${sum_requests}) ;;
    value_format_name: decimal_1
  }

  # Quantiles of several windows need the DDSketch merge (streaming/ddsketch.ts), which SQL cannot do here: the
  # worst window's p95 is shown instead.
  measure: max_latency_p95_ms {
    label: "Highest window p95 (ms)"
    type: max
    sql: ${latency_p95_ms} ;;
    value_format_name: decimal_1
  }

  measure: avg_settle_seconds {
    label: "Mean window settle time (s)"
    type: average
    sql: ${seconds_to_last_update} ;;
    value_format_name: decimal_1
  }

  measure: max_settle_seconds {
    label: "Longest window settle time (s)"
    type: max
    sql: ${seconds_to_last_update} ;;
  }
}
