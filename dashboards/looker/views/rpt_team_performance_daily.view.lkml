# Collaboration per team and day: members, activity and collaboration events by kind.
view: rpt_team_performance_daily {
  sql_table_name: @{dataset}.rpt_team_performance_daily ;;

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: CONCAT(CAST(${TABLE}.report_date AS STRING), '|', ${TABLE}.tenant_id, '|', ${TABLE}.team_id) ;;
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
    description: "Team name on report_date."
  }

  dimension: members {
    group_label: "Per team and day"
    type: number
    sql: ${TABLE}.members ;;
  }

  dimension: active_members {
    group_label: "Per team and day"
    type: number
    sql: ${TABLE}.active_members ;;
  }

  dimension: collaborations {
    group_label: "Per team and day"
    type: number
    sql: ${TABLE}.collaborations ;;
  }

  dimension: collaborating_members {
    group_label: "Per team and day"
    type: number
    sql: ${TABLE}.collaborating_members ;;
  }

  dimension: shares {
    group_label: "Per team and day"
    type: number
    sql: ${TABLE}.shares ;;
  }

  dimension: comments {
    group_label: "Per team and day"
    type: number
    sql: ${TABLE}.comments ;;
  }

  dimension: assignments {
    group_label: "Per team and day"
    type: number
    sql: ${TABLE}.assignments ;;
  }

  dimension: mentions {
    group_label: "Per team and day"
    type: number
    sql: ${TABLE}.mentions ;;
  }

  dimension: collaborations_per_member {
    group_label: "Per team and day"
    type: number
    sql: ${TABLE}.collaborations_per_member ;;
    value_format_name: decimal_2
    description: "Of the row. Do not average it: use Collaborations per member."
  }

  measure: sum_members {
    label: "Members"
    type: sum
    sql: ${members} ;;
    description: "A stock: chart it by day."
  }

  measure: sum_active_members {
    label: "Active members"
    type: sum
    sql: ${active_members} ;;
    description: "Per day (a person in two teams counts in both)."
  }

  measure: active_member_share {
    label: "Active member share"
    type: number
    sql: SAFE_DIVIDE(${sum_active_members}, ${sum_members}) ;;
    value_format_name: percent_1
  }

  measure: sum_collaborations {
    label: "Collaborations"
    type: sum
    sql: ${collaborations} ;;
  }

  measure: sum_collaborating_members {
    label: "Collaborating members"
    type: sum
    sql: ${collaborating_members} ;;
    description: "Distinct per team and day, added up: an upper bound over several days."
  }

  measure: overall_collaborations_per_member {
    label: "Collaborations per member"
    type: number
    sql: SAFE_DIVIDE(${sum_collaborations}, ${sum_members}) ;;
    value_format_name: decimal_2
  }

  measure: sum_shares {
    label: "Shares"
    type: sum
    sql: ${shares} ;;
  }

  measure: sum_comments {
    label: "Comments"
    type: sum
    sql: ${comments} ;;
  }

  measure: sum_assignments {
    label: "Assignments"
    type: sum
    sql: ${assignments} ;;
  }

  measure: sum_mentions {
    label: "Mentions"
    type: sum
    sql: ${mentions} ;;
  }
}
