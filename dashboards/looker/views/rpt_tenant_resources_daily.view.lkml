# Resource use per tenant and day: seats, API calls, the warehouse rows the day added and the tenant's share of the
# daily pipeline's work.
view: rpt_tenant_resources_daily {
  sql_table_name: @{dataset}.rpt_tenant_resources_daily ;;

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

  dimension: plan_on_day {
    type: string
    sql: ${TABLE}.plan ;;
    description: "The tenant's plan on report_date (Tenant > Plan is today's)."
  }

  dimension: seats_used {
    group_label: "Per tenant and day"
    type: number
    sql: ${TABLE}.seats_used ;;
  }

  dimension: active_users {
    group_label: "Per tenant and day"
    type: number
    sql: ${TABLE}.active_users ;;
  }

  dimension: api_calls {
    group_label: "Per tenant and day"
    type: number
    sql: ${TABLE}.api_calls ;;
  }

  dimension: api_server_errors {
    group_label: "Per tenant and day"
    type: number
    sql: ${TABLE}.api_server_errors ;;
  }

  dimension: stored_rows {
    group_label: "Per tenant and day"
    type: number
    sql: ${TABLE}.stored_rows ;;
  }

  dimension: stored_rows_share {
    group_label: "Per tenant and day"
    type: number
    sql: ${TABLE}.stored_rows_share ;;
    value_format_name: percent_2
    description: "The tenant's share of the day's fact rows (all tenants). Adds up over tenants on one day only."
  }

  # Stocks (members, users, seats) must not be added up over days: the daily mean divides by the days present.
  measure: days {
    hidden: yes
    type: count_distinct
    sql: ${report_raw} ;;
  }

  measure: avg_daily_seats_used {
    label: "Seats used (daily mean)"
    type: number
    sql: SAFE_DIVIDE(${sum_seats_used}, ${days}) ;;
    value_format_name: decimal_1
  }

  measure: sum_seats_used {
    label: "Seats used"
    type: sum
    sql: ${seats_used} ;;
    description: "A stock: chart it by day."
  }

  measure: sum_active_users {
    label: "Active users"
    type: sum
    sql: ${active_users} ;;
    description: "Per day (over days it counts user-days)."
  }

  measure: seat_utilisation {
    label: "Seat utilisation"
    type: number
    sql: SAFE_DIVIDE(${sum_active_users}, ${sum_seats_used}) ;;
    value_format_name: percent_1
    description: "Active users / seats used, from the summed counts."
  }

  measure: sum_api_calls {
    label: "API calls"
    type: sum
    sql: ${api_calls} ;;
  }

  measure: sum_api_server_errors {
    label: "API server errors"
    type: sum
    sql: ${api_server_errors} ;;
  }

  measure: api_server_error_rate {
    label: "API server error rate"
    type: number
    sql: SAFE_DIVIDE(${sum_api_server_errors}, ${sum_api_calls}) ;;
    value_format_name: percent_2
  }

  measure: sum_stored_rows {
    label: "Rows stored"
    type: sum
    sql: ${stored_rows} ;;
    description: "Fact rows the days added for the tenants: adds up over tenants and days."
  }

  # The share's denominator is every tenant's rows of the day, which a tenant filter does not change: summing shares
  # is right within one day; over days, compare Rows stored, which adds up.
  measure: sum_stored_rows_share {
    label: "Share of the day's rows"
    type: sum
    sql: ${stored_rows_share} ;;
    value_format_name: percent_2
    description: "Added up over tenants, per day only (each day's shares sum to 1 over all tenants)."
  }
}
