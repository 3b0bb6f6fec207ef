# System performance: API response times, error-rate analysis by status class, the daily pipeline's stage times
# against the rows it moved, and the real-time path's rate and window settle time. Every tile listens to the date
# filter. Tiles over platform-wide tables (rpt_api_performance_daily's percentiles, pipeline_runs) have no tenant to
# filter and say so in their note; every other tile listens to the tenant filter.
- dashboard: system_performance
  title: System performance
  description: API latency and errors, pipeline stage times against volume, and the real-time path's rate and lag.
  layout: newspaper
  preferred_viewer: dashboards-next
  crossfilter_enabled: false

  filters:
  - name: tenant
    title: Tenant
    type: field_filter
    default_value: ''
    allow_multiple_values: true
    required: false
    ui_config:
      type: tag_list
      display: popover
    model: hire10x_user_analytics
    explore: api_errors
    field: dim_tenants.tenant_name
  - name: date
    title: Date
    type: date_filter
    default_value: 7 days
    allow_multiple_values: true
    required: true
    ui_config:
      type: relative_timeframes
      display: inline

  elements:
  - name: api_latency_percentiles
    title: API response times (all tenants)
    note_text: All tenants (the tenant filter does not apply). p95/p99 show the slowest endpoint of each day; the mean is request-weighted.
    model: hire10x_user_analytics
    explore: api_performance
    type: looker_line
    fields: [rpt_api_performance_daily.report_date, rpt_api_performance_daily.average_ms,
      rpt_api_performance_daily.max_p95_ms, rpt_api_performance_daily.max_p99_ms]
    sorts: [rpt_api_performance_daily.report_date]
    limit: 500
    listen:
      date: rpt_api_performance_daily.report_date
    row: 0
    col: 0
    width: 12
    height: 8

  - name: api_latency_by_endpoint
    title: Slowest endpoints (all tenants)
    note_text: All tenants (the tenant filter does not apply). Percentiles are the endpoint's worst day in the range.
    model: hire10x_user_analytics
    explore: api_performance
    type: looker_grid
    fields: [rpt_api_performance_daily.endpoint, rpt_api_performance_daily.method,
      rpt_api_performance_daily.sum_requests, rpt_api_performance_daily.average_ms,
      rpt_api_performance_daily.max_p95_ms, rpt_api_performance_daily.max_p99_ms,
      rpt_api_performance_daily.max_latency_ms, rpt_api_performance_daily.overall_error_rate]
    sorts: [rpt_api_performance_daily.max_p95_ms desc]
    limit: 20
    listen:
      date: rpt_api_performance_daily.report_date
    row: 0
    col: 12
    width: 12
    height: 8

  - name: api_latency_per_tenant
    title: API mean response time for the selected tenants (ms)
    model: hire10x_user_analytics
    explore: api_errors
    type: looker_line
    fields: [rpt_api_errors_daily.report_date, rpt_api_errors_daily.average_ms]
    sorts: [rpt_api_errors_daily.report_date]
    limit: 500
    listen:
      tenant: dim_tenants.tenant_name
      date: rpt_api_errors_daily.report_date
    row: 8
    col: 0
    width: 8
    height: 8

  - name: requests_by_status_class
    title: Requests by status class
    model: hire10x_user_analytics
    explore: api_errors
    type: looker_column
    fields: [rpt_api_errors_daily.report_date, rpt_api_errors_daily.status_class, rpt_api_errors_daily.sum_requests]
    pivots: [rpt_api_errors_daily.status_class]
    sorts: [rpt_api_errors_daily.report_date, rpt_api_errors_daily.status_class]
    limit: 500
    stacking: normal
    listen:
      tenant: dim_tenants.tenant_name
      date: rpt_api_errors_daily.report_date
    row: 8
    col: 8
    width: 8
    height: 8

  - name: error_rates
    title: Error rates (4xx, 5xx)
    model: hire10x_user_analytics
    explore: api_errors
    type: looker_line
    fields: [rpt_api_errors_daily.report_date, rpt_api_errors_daily.server_error_rate,
      rpt_api_errors_daily.client_error_rate]
    sorts: [rpt_api_errors_daily.report_date]
    limit: 500
    listen:
      tenant: dim_tenants.tenant_name
      date: rpt_api_errors_daily.report_date
    row: 8
    col: 16
    width: 8
    height: 8

  - name: error_rate_by_endpoint
    title: Error rate by endpoint
    model: hire10x_user_analytics
    explore: api_errors
    type: looker_grid
    fields: [rpt_api_errors_daily.endpoint, rpt_api_errors_daily.method, rpt_api_errors_daily.sum_requests,
      rpt_api_errors_daily.sum_server_error_requests, rpt_api_errors_daily.server_error_rate,
      rpt_api_errors_daily.client_error_rate]
    sorts: [rpt_api_errors_daily.sum_server_error_requests desc]
    limit: 20
    listen:
      tenant: dim_tenants.tenant_name
      date: rpt_api_errors_daily.report_date
    row: 16
    col: 0
    width: 24
    height: 7

  - name: pipeline_stage_times
    title: Daily pipeline stage times (mean per run, ms)
    note_text: All tenants (the tenant filter does not apply). Succeeded runs of user-analytics-daily, by logical date.
    model: hire10x_user_analytics
    explore: pipeline_runs
    type: looker_column
    fields: [pipeline_runs.logical_date, pipeline_runs.avg_extract_ms, pipeline_runs.avg_transform_ms,
      pipeline_runs.avg_load_ms, pipeline_runs.avg_quality_ms, pipeline_runs.avg_publish_ms]
    filters:
      pipeline_runs.pipeline: user-analytics-daily
      pipeline_runs.status: succeeded
    sorts: [pipeline_runs.logical_date]
    limit: 500
    stacking: normal
    listen:
      date: pipeline_runs.logical_date
    row: 23
    col: 0
    width: 12
    height: 8

  - name: pipeline_scalability
    title: Stage times against rows per run
    note_text: All tenants (the tenant filter does not apply). One point per run of user-analytics-daily; the line of a stage that grows faster than the rows is the one that will not scale.
    model: hire10x_user_analytics
    explore: pipeline_runs
    type: looker_scatter
    fields: [pipeline_runs.rows_extracted, pipeline_runs.avg_extract_ms, pipeline_runs.avg_transform_ms,
      pipeline_runs.avg_load_ms, pipeline_runs.avg_quality_ms, pipeline_runs.avg_publish_ms]
    filters:
      pipeline_runs.pipeline: user-analytics-daily
      pipeline_runs.status: succeeded
    sorts: [pipeline_runs.rows_extracted]
    limit: 500
    listen:
      date: pipeline_runs.logical_date
    row: 23
    col: 12
    width: 12
    height: 8

  - name: pipeline_throughput
    title: Daily pipeline throughput and volume
    note_text: All tenants (the tenant filter does not apply). Rows loaded per second of stage time, succeeded daily runs.
    model: hire10x_user_analytics
    explore: pipeline_runs
    type: looker_line
    fields: [pipeline_runs.logical_date, pipeline_runs.rows_per_second, pipeline_runs.sum_rows_loaded]
    filters:
      pipeline_runs.pipeline: user-analytics-daily
      pipeline_runs.status: succeeded
    sorts: [pipeline_runs.logical_date]
    limit: 500
    listen:
      date: pipeline_runs.logical_date
    row: 31
    col: 0
    width: 24
    height: 6

  - name: stream_request_rate
    title: Real-time API requests per minute (last 6 hours)
    model: hire10x_user_analytics
    explore: stream_api_performance
    type: looker_line
    fields: [stream_api_performance_1m.window_start_minute, stream_api_performance_1m.sum_requests,
      stream_api_performance_1m.sum_status_5xx]
    filters:
      stream_api_performance_1m.window_start_time: 6 hours
    sorts: [stream_api_performance_1m.window_start_minute]
    limit: 500
    listen:
      tenant: dim_tenants.tenant_name
      date: stream_api_performance_1m.window_date
    row: 37
    col: 0
    width: 12
    height: 8

  - name: stream_login_rate
    title: Real-time login attempts per minute (last 6 hours)
    model: hire10x_user_analytics
    explore: stream_login_attempts
    type: looker_area
    fields: [stream_login_attempts_1m.window_start_minute, stream_login_attempts_1m.outcome,
      stream_login_attempts_1m.sum_attempts]
    pivots: [stream_login_attempts_1m.outcome]
    filters:
      stream_login_attempts_1m.window_start_time: 6 hours
    sorts: [stream_login_attempts_1m.window_start_minute, stream_login_attempts_1m.outcome]
    limit: 500
    stacking: normal
    listen:
      tenant: dim_tenants.tenant_name
      date: stream_login_attempts_1m.window_date
    row: 37
    col: 12
    width: 12
    height: 8

  - name: stream_settle_time
    title: Real-time window settle time by hour (s)
    note_text: From a window's end to the consumer's last write of it (processing lag plus late-event corrections). Bus backlog is on the worker's /metrics, not in the warehouse.
    model: hire10x_user_analytics
    explore: stream_api_performance
    type: looker_line
    fields: [stream_api_performance_1m.window_start_hour, stream_api_performance_1m.avg_settle_seconds,
      stream_api_performance_1m.max_settle_seconds]
    sorts: [stream_api_performance_1m.window_start_hour]
    limit: 500
    listen:
      tenant: dim_tenants.tenant_name
      date: stream_api_performance_1m.window_date
    row: 45
    col: 0
    width: 24
    height: 7
