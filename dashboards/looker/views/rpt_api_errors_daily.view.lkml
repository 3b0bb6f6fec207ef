# API requests per tenant, endpoint, method and status class (2xx, 3xx, 4xx, 5xx) per day. Counts and summed
# latency, so rates and means add up across tenants (unlike rpt_api_performance_daily's percentiles).
view: rpt_api_errors_daily {
  sql_table_name: @{dataset}.rpt_api_errors_daily ;;

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: CONCAT(CAST(${TABLE}.report_date AS STRING), '|', ${TABLE}.tenant_id, '|', ${TABLE}.endpoint, '|', ${TABLE}.method, '|', ${TABLE}.status_class) ;;
  }

  dimension_group: report {
    type: time
    datatype: date
    convert_tz: no
    timeframes: [raw, date, week, month, quarter, year]
    sql: ${TABLE}.report_date ;;
    description: "UTC day of the requests; the partition column."
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

  dimension: status_class {
    type: string
    sql: ${TABLE}.status_class ;;
    description: "2xx | 3xx | 4xx | 5xx."
  }

  dimension: requests {
    group_label: "Per row"
    type: number
    sql: ${TABLE}.requests ;;
  }

  dimension: total_ms {
    group_label: "Per row"
    type: number
    sql: ${TABLE}.total_ms ;;
  }

  measure: sum_requests {
    label: "Requests"
    type: sum
    sql: ${requests} ;;
  }

  measure: sum_server_error_requests {
    label: "Server errors (5xx)"
    type: sum
    sql: ${requests} ;;
    filters: [status_class: "5xx"]
  }

  measure: sum_client_error_requests {
    label: "Client errors (4xx)"
    type: sum
    sql: ${requests} ;;
    filters: [status_class: "4xx"]
  }

  measure: server_error_rate {
    label: "Server error rate"
    type: number
    sql: SAFE_DIVIDE(${sum_server_error_requests}, ${sum_requests}) ;;
    value_format_name: percent_2
    description: "5xx requests / all requests of the rows (keep status class out of the query's dimensions)."
  }

  measure: client_error_rate {
    label: "Client error rate"
    type: number
    sql: SAFE_DIVIDE(${sum_client_error_requests}, ${sum_requests}) ;;
    value_format_name: percent_2
  }

  measure: sum_total_ms {
    hidden: yes
    type: sum
    sql: ${total_ms} ;;
  }

  measure: average_ms {
    label: "Mean latency (ms)"
    type: number
    sql: SAFE_DIVIDE(${sum_total_ms}, ${sum_requests}) ;;
    value_format_name: decimal_1
    description: "Summed latency / requests: exact over any rows, per tenant too."
  }
}
