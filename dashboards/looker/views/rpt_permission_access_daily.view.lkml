# Authorisation decisions per tenant, resource, permission and the checked user's role, per day.
view: rpt_permission_access_daily {
  sql_table_name: @{dataset}.rpt_permission_access_daily ;;

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: CONCAT(CAST(${TABLE}.report_date AS STRING), '|', ${TABLE}.tenant_id, '|', ${TABLE}.resource, '|', ${TABLE}.permission, '|', ${TABLE}.role_name) ;;
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

  dimension: resource {
    type: string
    sql: ${TABLE}.resource ;;
  }

  dimension: permission {
    type: string
    sql: ${TABLE}.permission ;;
  }

  dimension: role_name {
    label: "Role"
    type: string
    sql: ${TABLE}.role_name ;;
    description: "The checked user's role ((none) without one)."
  }

  dimension: checks {
    group_label: "Per row"
    type: number
    sql: ${TABLE}.checks ;;
  }

  dimension: denied {
    group_label: "Per row"
    type: number
    sql: ${TABLE}.denied ;;
  }

  dimension: deny_rate {
    group_label: "Per row"
    type: number
    sql: ${TABLE}.deny_rate ;;
    value_format_name: percent_1
    description: "Of the row. Do not average it: use Deny rate."
  }

  dimension: denied_users {
    group_label: "Per row"
    type: number
    sql: ${TABLE}.denied_users ;;
  }

  measure: sum_checks {
    label: "Permission checks"
    type: sum
    sql: ${checks} ;;
  }

  measure: sum_denied {
    label: "Denied"
    type: sum
    sql: ${denied} ;;
  }

  measure: overall_deny_rate {
    label: "Deny rate"
    type: number
    sql: SAFE_DIVIDE(${sum_denied}, ${sum_checks}) ;;
    value_format_name: percent_1
    description: "Summed denials / summed checks."
  }

  measure: sum_denied_users {
    label: "Users denied"
    type: sum
    sql: ${denied_users} ;;
    description: "Distinct per row, added up: an upper bound."
  }
}
