# Common paths: the first two distinct features of each session, per tenant and day. Paths of fewer than 5
# sessions are folded into '(other)'.
view: rpt_user_journeys_daily {
  sql_table_name: @{dataset}.rpt_user_journeys_daily ;;

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: CONCAT(CAST(${TABLE}.report_date AS STRING), '|', ${TABLE}.tenant_id, '|', ${TABLE}.path) ;;
  }

  dimension_group: report {
    type: time
    datatype: date
    convert_tz: no
    timeframes: [raw, date, week, month, quarter, year]
    sql: ${TABLE}.report_date ;;
    description: "UTC day the sessions started; the partition column."
  }

  dimension: tenant_id {
    hidden: yes
    type: string
    sql: ${TABLE}.tenant_id ;;
  }

  dimension: path {
    type: string
    sql: ${TABLE}.path ;;
    description: "Features in order, joined by ' > ', or '(other)' for folded small paths."
  }

  dimension: steps {
    type: number
    sql: ${TABLE}.steps ;;
    description: "Features in the path (1-3); 0 for '(other)'."
  }

  dimension: sessions {
    group_label: "Per tenant, path and day"
    type: number
    sql: ${TABLE}.sessions ;;
  }

  dimension: users {
    group_label: "Per tenant, path and day"
    type: number
    sql: ${TABLE}.users ;;
  }

  measure: sum_sessions {
    label: "Sessions"
    type: sum
    sql: ${sessions} ;;
    description: "Each session follows exactly one path, so this adds up over paths, tenants and days."
  }

  measure: sum_users {
    label: "Users (per path)"
    type: sum
    sql: ${users} ;;
    description: "Distinct users of a path, added up over tenants. A user with several sessions can follow several paths: do not add up over paths or days."
  }
}
