# Failed logins per tenant, failure reason and day.
view: rpt_login_failures_daily {
  sql_table_name: @{dataset}.rpt_login_failures_daily ;;

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: CONCAT(CAST(${TABLE}.report_date AS STRING), '|', ${TABLE}.tenant_id, '|', ${TABLE}.failure_reason) ;;
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

  dimension: failure_reason {
    type: string
    sql: ${TABLE}.failure_reason ;;
    description: "Failure reason (unknown when the source has none)."
  }

  dimension: failures {
    group_label: "Per tenant, reason and day"
    type: number
    sql: ${TABLE}.failures ;;
  }

  dimension: distinct_ips {
    group_label: "Per tenant, reason and day"
    type: number
    sql: ${TABLE}.distinct_ips ;;
  }

  dimension: distinct_attempted_emails {
    group_label: "Per tenant, reason and day"
    type: number
    sql: ${TABLE}.distinct_attempted_emails ;;
    description: "How many different emails were tried (a count, not the emails)."
  }

  measure: sum_failures {
    label: "Failed logins"
    type: sum
    sql: ${failures} ;;
  }

  measure: sum_distinct_ips {
    label: "Source IPs"
    type: sum
    sql: ${distinct_ips} ;;
    description: "Distinct per tenant, reason and day, added up: an upper bound."
  }

  measure: sum_distinct_attempted_emails {
    label: "Emails tried"
    type: sum
    sql: ${distinct_attempted_emails} ;;
    description: "Distinct per tenant, reason and day, added up: an upper bound (a credential-stuffing signal)."
  }

  measure: failures_per_email {
    label: "Failures per email tried"
    type: number
    sql: SAFE_DIVIDE(${sum_failures}, ${sum_distinct_attempted_emails}) ;;
    value_format_name: decimal_1
  }
}
