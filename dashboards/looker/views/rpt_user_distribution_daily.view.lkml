# User distribution per tenant along one attribute at a time (country, region, timezone, job_title, status, role).
# Values held by fewer than 5 users are folded into '(other)'.
view: rpt_user_distribution_daily {
  sql_table_name: @{dataset}.rpt_user_distribution_daily ;;

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: CONCAT(CAST(${TABLE}.report_date AS STRING), '|', ${TABLE}.tenant_id, '|', ${TABLE}.attribute, '|', ${TABLE}.attribute_value) ;;
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

  dimension: attribute {
    type: string
    sql: ${TABLE}.attribute ;;
    description: "country | region | timezone | job_title | status | role. Filter on one: every attribute counts every user."
  }

  dimension: attribute_value {
    label: "Value"
    type: string
    sql: ${TABLE}.attribute_value ;;
    description: "(unknown) for NULL, (other) for values held by fewer than 5 users."
  }

  dimension: users {
    group_label: "Per tenant, value and day"
    type: number
    sql: ${TABLE}.users ;;
  }

  # Stocks (members, users, seats) must not be added up over days: the daily mean divides by the days present.
  measure: days {
    hidden: yes
    type: count_distinct
    sql: ${report_raw} ;;
  }

  measure: avg_daily_users {
    label: "Users (daily mean)"
    type: number
    sql: SAFE_DIVIDE(${sum_users}, ${days}) ;;
    value_format_name: decimal_1
    description: "Users with the value, averaged over the days in the query (for one attribute)."
  }

  measure: sum_users {
    label: "Users"
    type: sum
    sql: ${users} ;;
    description: "Users with the value at the end of the day: for one attribute and one day."
  }
}
