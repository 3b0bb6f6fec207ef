# Team composition per team and role at the end of the day.
view: rpt_team_composition_daily {
  sql_table_name: @{dataset}.rpt_team_composition_daily ;;

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: CONCAT(CAST(${TABLE}.report_date AS STRING), '|', ${TABLE}.tenant_id, '|', ${TABLE}.team_id, '|', ${TABLE}.role_id) ;;
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

  dimension: team_id {
    hidden: yes
    type: string
    sql: ${TABLE}.team_id ;;
  }

  dimension: team_name {
    label: "Team"
    type: string
    sql: ${TABLE}.team_name ;;
  }

  dimension: role_id {
    hidden: yes
    type: string
    sql: ${TABLE}.role_id ;;
  }

  dimension: role_name {
    label: "Role"
    type: string
    sql: ${TABLE}.role_name ;;
    description: "The members' role; (none) for members without one."
  }

  dimension: members {
    group_label: "Per team, role and day"
    type: number
    sql: ${TABLE}.members ;;
  }

  dimension: active_members_30d {
    group_label: "Per team, role and day"
    type: number
    sql: ${TABLE}.active_members_30d ;;
  }

  # Stocks (members, users, seats) must not be added up over days: the daily mean divides by the days present.
  measure: days {
    hidden: yes
    type: count_distinct
    sql: ${report_raw} ;;
  }

  measure: avg_daily_members {
    label: "Members (daily mean)"
    type: number
    sql: SAFE_DIVIDE(${sum_members}, ${days}) ;;
    value_format_name: decimal_1
    description: "Members added up over the rows of each day, averaged over the days in the query."
  }

  measure: sum_members {
    label: "Members"
    type: sum
    sql: ${members} ;;
    description: "A stock: chart it by day."
  }

  measure: sum_active_members_30d {
    label: "Active members (30 days)"
    type: sum
    sql: ${active_members_30d} ;;
  }

  measure: active_share_30d {
    label: "Active share (30 days)"
    type: number
    sql: SAFE_DIVIDE(${sum_active_members_30d}, ${sum_members}) ;;
    value_format_name: percent_1
  }
}
