# Security analytics: authentication patterns, failed logins, permission access patterns and incident tracking.
# Every tile listens to the tenant and date filters. No tile shows an IP, an email or a user id: the marts hold
# counts only.
- dashboard: security_analytics
  title: Security analytics
  description: Authentication patterns, failed logins, permission denials and security incidents per tenant and day.
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
    explore: security
    field: dim_tenants.tenant_name
  - name: date
    title: Date
    type: date_filter
    default_value: 30 days
    allow_multiple_values: true
    required: true
    ui_config:
      type: relative_timeframes
      display: inline

  elements:
  - name: authentication_patterns
    title: Authentication events
    model: hire10x_user_analytics
    explore: security
    type: looker_line
    fields: [rpt_security_daily.report_date, rpt_security_daily.sum_login_successes,
      rpt_security_daily.sum_login_failures, rpt_security_daily.sum_mfa_challenges,
      rpt_security_daily.sum_password_resets]
    sorts: [rpt_security_daily.report_date]
    limit: 500
    listen:
      tenant: dim_tenants.tenant_name
      date: rpt_security_daily.report_date
    row: 0
    col: 0
    width: 16
    height: 8

  - name: login_failure_rate
    title: Login failure rate
    model: hire10x_user_analytics
    explore: security
    type: looker_line
    fields: [rpt_security_daily.report_date, rpt_security_daily.overall_failure_rate]
    sorts: [rpt_security_daily.report_date]
    limit: 500
    listen:
      tenant: dim_tenants.tenant_name
      date: rpt_security_daily.report_date
    row: 0
    col: 16
    width: 8
    height: 8

  - name: failed_logins_by_reason
    title: Failed logins by reason
    model: hire10x_user_analytics
    explore: login_failures
    type: looker_column
    fields: [rpt_login_failures_daily.report_date, rpt_login_failures_daily.failure_reason,
      rpt_login_failures_daily.sum_failures]
    pivots: [rpt_login_failures_daily.failure_reason]
    sorts: [rpt_login_failures_daily.report_date, rpt_login_failures_daily.failure_reason]
    limit: 500
    stacking: normal
    listen:
      tenant: dim_tenants.tenant_name
      date: rpt_login_failures_daily.report_date
    row: 8
    col: 0
    width: 14
    height: 8

  - name: failed_logins_by_tenant
    title: Failed logins by tenant
    note_text: Source IPs and emails tried are distinct per tenant, reason and day, added up (an upper bound).
    model: hire10x_user_analytics
    explore: login_failures
    type: looker_grid
    fields: [dim_tenants.tenant_name, rpt_login_failures_daily.sum_failures, rpt_login_failures_daily.sum_distinct_ips,
      rpt_login_failures_daily.sum_distinct_attempted_emails, rpt_login_failures_daily.failures_per_email]
    sorts: [rpt_login_failures_daily.sum_failures desc]
    limit: 25
    listen:
      tenant: dim_tenants.tenant_name
      date: rpt_login_failures_daily.report_date
    row: 8
    col: 14
    width: 10
    height: 8

  - name: permission_denials
    title: Permission access patterns
    model: hire10x_user_analytics
    explore: permission_access
    type: looker_grid
    fields: [rpt_permission_access_daily.resource, rpt_permission_access_daily.permission,
      rpt_permission_access_daily.role_name, rpt_permission_access_daily.sum_checks,
      rpt_permission_access_daily.sum_denied, rpt_permission_access_daily.overall_deny_rate]
    sorts: [rpt_permission_access_daily.sum_denied desc]
    limit: 25
    listen:
      tenant: dim_tenants.tenant_name
      date: rpt_permission_access_daily.report_date
    row: 16
    col: 0
    width: 14
    height: 8

  - name: deny_rate_trend
    title: Deny rate by resource
    model: hire10x_user_analytics
    explore: permission_access
    type: looker_line
    fields: [rpt_permission_access_daily.report_date, rpt_permission_access_daily.resource,
      rpt_permission_access_daily.overall_deny_rate]
    pivots: [rpt_permission_access_daily.resource]
    sorts: [rpt_permission_access_daily.report_date, rpt_permission_access_daily.resource]
    limit: 500
    listen:
      tenant: dim_tenants.tenant_name
      date: rpt_permission_access_daily.report_date
    row: 16
    col: 14
    width: 10
    height: 8

  - name: incidents_by_status
    title: Incidents by status
    model: hire10x_user_analytics
    explore: incidents
    type: looker_column
    fields: [rpt_incidents_daily.report_date, rpt_incidents_daily.status, rpt_incidents_daily.sum_incidents]
    pivots: [rpt_incidents_daily.status]
    sorts: [rpt_incidents_daily.report_date, rpt_incidents_daily.status]
    limit: 500
    stacking: normal
    listen:
      tenant: dim_tenants.tenant_name
      date: rpt_incidents_daily.report_date
    row: 24
    col: 0
    width: 14
    height: 8

  - name: incidents_by_detector
    title: Incidents by detector
    note_text: Detection latency is recorded for the real-time rules only; the highest per-day p95 is shown.
    model: hire10x_user_analytics
    explore: incidents
    type: looker_grid
    fields: [rpt_incidents_daily.source, rpt_incidents_daily.detector, rpt_incidents_daily.severity,
      rpt_incidents_daily.sum_incidents, rpt_incidents_daily.sum_failed_attempts,
      rpt_incidents_daily.max_p95_detection_latency_ms]
    sorts: [rpt_incidents_daily.sum_incidents desc]
    limit: 25
    listen:
      tenant: dim_tenants.tenant_name
      date: rpt_incidents_daily.report_date
    row: 24
    col: 14
    width: 10
    height: 8
