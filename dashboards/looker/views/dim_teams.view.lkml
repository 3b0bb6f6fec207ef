# One row per team (current snapshot). Joined to the team marts on team_id.
view: dim_teams {
  sql_table_name: @{dataset}.dim_teams ;;

  dimension: team_id {
    primary_key: yes
    hidden: yes
    type: string
    sql: ${TABLE}.team_id ;;
  }

  dimension: tenant_id {
    hidden: yes
    type: string
    sql: ${TABLE}.tenant_id ;;
  }

  dimension: current_team_name {
    type: string
    sql: ${TABLE}.team_name ;;
    description: "The team's name today (the marts carry the name it had on report_date)."
  }

  dimension_group: created {
    label: "Team created"
    type: time
    timeframes: [raw, date, month, year]
    sql: ${TABLE}.created_at ;;
  }

  dimension: team_age_days {
    type: number
    sql: DATE_DIFF(CURRENT_DATE(), DATE(${TABLE}.created_at), DAY) ;;
    description: "Days since the team was created."
  }
}
