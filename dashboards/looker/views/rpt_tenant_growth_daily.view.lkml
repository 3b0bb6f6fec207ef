# Tenant growth per day: users and teams, created and removed.
view: rpt_tenant_growth_daily {
  sql_table_name: @{dataset}.rpt_tenant_growth_daily ;;

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

  dimension: total_users {
    group_label: "Per tenant and day"
    type: number
    sql: ${TABLE}.total_users ;;
  }

  dimension: new_users {
    group_label: "Per tenant and day"
    type: number
    sql: ${TABLE}.new_users ;;
  }

  dimension: deleted_users {
    group_label: "Per tenant and day"
    type: number
    sql: ${TABLE}.deleted_users ;;
  }

  dimension: active_users_30d {
    group_label: "Per tenant and day"
    type: number
    sql: ${TABLE}.active_users_30d ;;
  }

  dimension: total_teams {
    group_label: "Per tenant and day"
    type: number
    sql: ${TABLE}.total_teams ;;
  }

  dimension: new_teams {
    group_label: "Per tenant and day"
    type: number
    sql: ${TABLE}.new_teams ;;
  }

  # Stocks (users, teams, 30-day actives) add up across tenants on one day; flows (new, deleted) over days too.
  measure: sum_total_users {
    label: "Users"
    type: sum
    sql: ${total_users} ;;
    description: "Users at the end of the day, added up over tenants (a stock: chart it by day)."
  }

  measure: sum_new_users {
    label: "New users"
    type: sum
    sql: ${new_users} ;;
  }

  measure: sum_deleted_users {
    label: "Deleted users"
    type: sum
    sql: ${deleted_users} ;;
  }

  measure: net_new_users {
    label: "Net new users"
    type: number
    sql: ${sum_new_users} - ${sum_deleted_users} ;;
  }

  measure: sum_active_users_30d {
    label: "Active users (30 days)"
    type: sum
    sql: ${active_users_30d} ;;
    description: "A stock: chart it by day."
  }

  measure: sum_total_teams {
    label: "Teams"
    type: sum
    sql: ${total_teams} ;;
    description: "A stock: chart it by day."
  }

  measure: sum_new_teams {
    label: "New teams"
    type: sum
    sql: ${new_teams} ;;
  }
}
