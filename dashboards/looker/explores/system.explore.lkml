# System performance explores: API latency and errors, the pipeline's runs and the real-time windows. Each always
# filters its partition column; the stream_* tables require it (require_partition_filter) and cache on their own
# datagroup, since they change every few seconds.

# Platform-wide: the percentiles were computed over every tenant's requests, so there is no tenant to join.
explore: api_performance {
  label: "System: API latency (all tenants)"
  group_label: "Hire10x user analytics"
  view_name: rpt_api_performance_daily
  always_filter: {
    filters: [rpt_api_performance_daily.report_date: "30 days"]
  }
}

explore: api_errors {
  label: "System: API errors by status class"
  group_label: "Hire10x user analytics"
  view_name: rpt_api_errors_daily
  always_filter: {
    filters: [rpt_api_errors_daily.report_date: "30 days"]
  }

  join: dim_tenants {
    type: left_outer
    relationship: many_to_one
    sql_on: ${rpt_api_errors_daily.tenant_id} = ${dim_tenants.tenant_id} ;;
  }
}

# Platform-wide: one row per pipeline run.
explore: pipeline_runs {
  label: "System: pipeline runs"
  group_label: "Hire10x user analytics"
  always_filter: {
    filters: [pipeline_runs.logical_date: "30 days"]
  }
}

explore: stream_api_performance {
  label: "System: real-time API windows"
  group_label: "Hire10x user analytics"
  view_name: stream_api_performance_1m
  persist_with: stream_windows
  always_filter: {
    filters: [stream_api_performance_1m.window_date: "1 days"]
  }

  join: dim_tenants {
    type: left_outer
    relationship: many_to_one
    sql_on: ${stream_api_performance_1m.tenant_id} = ${dim_tenants.tenant_id} ;;
  }
}

explore: stream_login_attempts {
  label: "System: real-time login windows"
  group_label: "Hire10x user analytics"
  view_name: stream_login_attempts_1m
  persist_with: stream_windows
  always_filter: {
    filters: [stream_login_attempts_1m.window_date: "1 days"]
  }

  join: dim_tenants {
    type: left_outer
    relationship: many_to_one
    sql_on: ${stream_login_attempts_1m.tenant_id} = ${dim_tenants.tenant_id} ;;
  }
}
