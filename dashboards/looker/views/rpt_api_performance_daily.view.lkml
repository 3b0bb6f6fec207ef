# API latency percentiles and error counts per endpoint, method and day, across all tenants (the percentiles were
# computed over every tenant's requests, so this table has no tenant_id and no tenant filter applies to it).
view: rpt_api_performance_daily {
  sql_table_name: @{dataset}.rpt_api_performance_daily ;;

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: CONCAT(CAST(${TABLE}.report_date AS STRING), '|', ${TABLE}.endpoint, '|', ${TABLE}.method) ;;
  }

  dimension_group: report {
    type: time
    datatype: date
    convert_tz: no
    timeframes: [raw, date, week, month, quarter, year]
    sql: ${TABLE}.report_date ;;
    description: "UTC day of the requests; the partition column."
  }

  dimension: endpoint {
    type: string
    sql: ${TABLE}.endpoint ;;
    description: "Route template."
  }

  dimension: method {
    type: string
    sql: ${TABLE}.method ;;
  }

  dimension: requests {
    group_label: "Per endpoint and day"
    type: number
    sql: ${TABLE}.requests ;;
  }

  dimension: server_errors {
    group_label: "Per endpoint and day"
    type: number
    sql: ${TABLE}.server_errors ;;
  }

  dimension: client_errors {
    group_label: "Per endpoint and day"
    type: number
    sql: ${TABLE}.client_errors ;;
  }

  dimension: error_rate {
    group_label: "Per endpoint and day"
    type: number
    sql: ${TABLE}.error_rate ;;
    value_format_name: percent_2
    description: "Of the row. Do not average it: use Server error rate."
  }

  dimension: avg_ms {
    group_label: "Per endpoint and day"
    type: number
    sql: ${TABLE}.avg_ms ;;
    value_format_name: decimal_1
  }

  dimension: p50_ms {
    group_label: "Per endpoint and day"
    type: number
    sql: ${TABLE}.p50_ms ;;
    value_format_name: decimal_1
  }

  dimension: p95_ms {
    group_label: "Per endpoint and day"
    type: number
    sql: ${TABLE}.p95_ms ;;
    value_format_name: decimal_1
  }

  dimension: p99_ms {
    group_label: "Per endpoint and day"
    type: number
    sql: ${TABLE}.p99_ms ;;
    value_format_name: decimal_1
  }

  dimension: max_ms {
    group_label: "Per endpoint and day"
    type: number
    sql: ${TABLE}.max_ms ;;
    value_format_name: decimal_0
  }

  dimension: tenants {
    group_label: "Per endpoint and day"
    type: number
    sql: ${TABLE}.tenants ;;
    description: "Distinct tenants calling the endpoint that day (not additive)."
  }

  measure: sum_requests {
    label: "Requests"
    type: sum
    sql: ${requests} ;;
  }

  measure: sum_server_errors {
    label: "Server errors (5xx)"
    type: sum
    sql: ${server_errors} ;;
  }

  measure: sum_client_errors {
    label: "Client errors (4xx)"
    type: sum
    sql: ${client_errors} ;;
  }

  measure: overall_error_rate {
    label: "Server error rate"
    type: number
    sql: SAFE_DIVIDE(${sum_server_errors}, ${sum_requests}) ;;
    value_format_name: percent_2
  }

  # The mean is re-derived from the rows' means weighted by their requests (= summed latency / requests).
  measure: sum_latency_ms {
    hidden: yes
    type: sum
    sql: ${avg_ms} * ${requests} ;;
  }

  measure: average_ms {
    label: "Mean latency (ms)"
    type: number
    sql: SAFE_DIVIDE(${sum_latency_ms}, ${sum_requests}) ;;
    value_format_name: decimal_1
    description: "Request-weighted mean over the rows: exact over any rows."
  }

  # Percentiles cannot be summed or averaged into the percentile of the union: these show the worst row in each
  # group (the slowest endpoint-day), exact when the query keeps one endpoint, method and day per row.
  measure: max_p50_ms {
    label: "Highest median latency (ms)"
    type: max
    sql: ${p50_ms} ;;
    value_format_name: decimal_1
  }

  measure: max_p95_ms {
    label: "Highest p95 latency (ms)"
    type: max
    sql: ${p95_ms} ;;
    value_format_name: decimal_1
  }

  measure: max_p99_ms {
    label: "Highest p99 latency (ms)"
    type: max
    sql: ${p99_ms} ;;
    value_format_name: decimal_1
  }

  measure: max_latency_ms {
    label: "Slowest request (ms)"
    type: max
    sql: ${max_ms} ;;
    value_format_name: decimal_0
    description: "A maximum of maxima: exact over any rows."
  }
}
