# Authentication health per tenant and day: logins, failures, MFA, resets and the batch detectors' incidents.
view: rpt_security_daily {
  sql_table_name: @{dataset}.rpt_security_daily ;;

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

  dimension: login_attempts {
    group_label: "Per tenant and day"
    type: number
    sql: ${TABLE}.login_attempts ;;
  }

  dimension: login_failures {
    group_label: "Per tenant and day"
    type: number
    sql: ${TABLE}.login_failures ;;
  }

  dimension: failure_rate {
    group_label: "Per tenant and day"
    type: number
    sql: ${TABLE}.failure_rate ;;
    value_format_name: percent_1
    description: "Of the row. Do not average it: use Login failure rate."
  }

  dimension: distinct_failed_users {
    group_label: "Per tenant and day"
    type: number
    sql: ${TABLE}.distinct_failed_users ;;
  }

  dimension: distinct_failed_ips {
    group_label: "Per tenant and day"
    type: number
    sql: ${TABLE}.distinct_failed_ips ;;
  }

  dimension: mfa_challenges {
    group_label: "Per tenant and day"
    type: number
    sql: ${TABLE}.mfa_challenges ;;
  }

  dimension: password_resets {
    group_label: "Per tenant and day"
    type: number
    sql: ${TABLE}.password_resets ;;
  }

  dimension: brute_force_incidents {
    group_label: "Per tenant and day"
    type: number
    sql: ${TABLE}.brute_force_incidents ;;
  }

  dimension: credential_stuffing_incidents {
    group_label: "Per tenant and day"
    type: number
    sql: ${TABLE}.credential_stuffing_incidents ;;
  }

  measure: sum_login_attempts {
    label: "Login attempts"
    type: sum
    sql: ${login_attempts} ;;
  }

  measure: sum_login_successes {
    label: "Successful logins"
    type: number
    sql: ${sum_login_attempts} - ${sum_login_failures} ;;
  }

  measure: sum_login_failures {
    label: "Failed logins"
    type: sum
    sql: ${login_failures} ;;
  }

  measure: overall_failure_rate {
    label: "Login failure rate"
    type: number
    sql: SAFE_DIVIDE(${sum_login_failures}, ${sum_login_attempts}) ;;
    value_format_name: percent_1
    description: "Summed failures / summed attempts."
  }

  measure: sum_distinct_failed_users {
    label: "Users with failed logins"
    type: sum
    sql: ${distinct_failed_users} ;;
    description: "Distinct per tenant and day, added up: an upper bound over several days."
  }

  measure: sum_distinct_failed_ips {
    label: "IPs with failed logins"
    type: sum
    sql: ${distinct_failed_ips} ;;
    description: "Distinct per tenant and day, added up: an upper bound (one IP can fail in several tenants or days)."
  }

  measure: sum_mfa_challenges {
    label: "MFA challenges"
    type: sum
    sql: ${mfa_challenges} ;;
  }

  measure: sum_password_resets {
    label: "Password resets"
    type: sum
    sql: ${password_resets} ;;
  }

  measure: sum_brute_force_incidents {
    label: "Brute-force incidents"
    type: sum
    sql: ${brute_force_incidents} ;;
  }

  measure: sum_credential_stuffing_incidents {
    label: "Credential-stuffing incidents"
    type: sum
    sql: ${credential_stuffing_incidents} ;;
  }
}
