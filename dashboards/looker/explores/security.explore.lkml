# Security analytics explores: authentication patterns, failed logins, permission access and incidents. Each always
# filters its partition column (report_date) so BigQuery prunes partitions.

explore: security {
  label: "Security: authentication"
  group_label: "Hire10x user analytics"
  view_name: rpt_security_daily
  always_filter: {
    filters: [rpt_security_daily.report_date: "30 days"]
  }

  join: dim_tenants {
    type: left_outer
    relationship: many_to_one
    sql_on: ${rpt_security_daily.tenant_id} = ${dim_tenants.tenant_id} ;;
  }
}

explore: login_failures {
  label: "Security: failed logins"
  group_label: "Hire10x user analytics"
  view_name: rpt_login_failures_daily
  always_filter: {
    filters: [rpt_login_failures_daily.report_date: "30 days"]
  }

  join: dim_tenants {
    type: left_outer
    relationship: many_to_one
    sql_on: ${rpt_login_failures_daily.tenant_id} = ${dim_tenants.tenant_id} ;;
  }
}

explore: permission_access {
  label: "Security: permission access"
  group_label: "Hire10x user analytics"
  view_name: rpt_permission_access_daily
  always_filter: {
    filters: [rpt_permission_access_daily.report_date: "30 days"]
  }

  join: dim_tenants {
    type: left_outer
    relationship: many_to_one
    sql_on: ${rpt_permission_access_daily.tenant_id} = ${dim_tenants.tenant_id} ;;
  }
}

explore: incidents {
  label: "Security: incidents"
  group_label: "Hire10x user analytics"
  view_name: rpt_incidents_daily
  always_filter: {
    filters: [rpt_incidents_daily.report_date: "30 days"]
  }

  join: dim_tenants {
    type: left_outer
    relationship: many_to_one
    sql_on: ${rpt_incidents_daily.tenant_id} = ${dim_tenants.tenant_id} ;;
  }
}
