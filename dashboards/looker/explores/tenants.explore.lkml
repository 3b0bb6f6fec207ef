# Tenant analytics explores: growth, resources, teams and user distribution. Each always filters its partition
# column (report_date) so BigQuery prunes partitions.

explore: tenant_growth {
  label: "Tenants: growth"
  group_label: "Hire10x user analytics"
  view_name: rpt_tenant_growth_daily
  always_filter: {
    filters: [rpt_tenant_growth_daily.report_date: "30 days"]
  }

  join: dim_tenants {
    type: left_outer
    relationship: many_to_one
    sql_on: ${rpt_tenant_growth_daily.tenant_id} = ${dim_tenants.tenant_id} ;;
  }
}

explore: tenant_resources {
  label: "Tenants: resource utilisation"
  group_label: "Hire10x user analytics"
  view_name: rpt_tenant_resources_daily
  always_filter: {
    filters: [rpt_tenant_resources_daily.report_date: "30 days"]
  }

  join: dim_tenants {
    type: left_outer
    relationship: many_to_one
    sql_on: ${rpt_tenant_resources_daily.tenant_id} = ${dim_tenants.tenant_id} ;;
  }
}

explore: team_performance {
  label: "Tenants: team performance"
  group_label: "Hire10x user analytics"
  view_name: rpt_team_performance_daily
  always_filter: {
    filters: [rpt_team_performance_daily.report_date: "30 days"]
  }

  join: dim_tenants {
    type: left_outer
    relationship: many_to_one
    sql_on: ${rpt_team_performance_daily.tenant_id} = ${dim_tenants.tenant_id} ;;
  }

  join: dim_teams {
    type: left_outer
    relationship: many_to_one
    sql_on: ${rpt_team_performance_daily.team_id} = ${dim_teams.team_id} ;;
  }
}

explore: team_composition {
  label: "Tenants: team composition"
  group_label: "Hire10x user analytics"
  view_name: rpt_team_composition_daily
  always_filter: {
    filters: [rpt_team_composition_daily.report_date: "30 days"]
  }

  join: dim_tenants {
    type: left_outer
    relationship: many_to_one
    sql_on: ${rpt_team_composition_daily.tenant_id} = ${dim_tenants.tenant_id} ;;
  }

  join: dim_teams {
    type: left_outer
    relationship: many_to_one
    sql_on: ${rpt_team_composition_daily.team_id} = ${dim_teams.team_id} ;;
  }
}

explore: user_distribution {
  label: "Tenants: user distribution"
  group_label: "Hire10x user analytics"
  view_name: rpt_user_distribution_daily
  always_filter: {
    filters: [rpt_user_distribution_daily.report_date: "30 days"]
  }

  join: dim_tenants {
    type: left_outer
    relationship: many_to_one
    sql_on: ${rpt_user_distribution_daily.tenant_id} = ${dim_tenants.tenant_id} ;;
  }
}
