# User engagement: DAU/WAU/MAU, session duration trends, feature adoption and user journeys (common paths, funnel).
# Every tile listens to the tenant filter (dim_tenants.tenant_name) and the date filter (its mart's report_date,
# the partition column).
- dashboard: user_engagement
  title: User engagement
  description: Active users, session durations, feature adoption and user journeys per tenant and day.
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
    explore: engagement
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
  - name: active_users
    title: Daily, weekly and monthly active users
    model: hire10x_user_analytics
    explore: engagement
    type: looker_line
    fields: [rpt_engagement_daily.report_date, rpt_engagement_daily.sum_dau, rpt_engagement_daily.sum_wau,
      rpt_engagement_daily.sum_mau]
    sorts: [rpt_engagement_daily.report_date]
    limit: 500
    listen:
      tenant: dim_tenants.tenant_name
      date: rpt_engagement_daily.report_date
    row: 0
    col: 0
    width: 16
    height: 8

  - name: stickiness
    title: Stickiness (DAU/MAU and DAU/WAU)
    model: hire10x_user_analytics
    explore: engagement
    type: looker_line
    fields: [rpt_engagement_daily.report_date, rpt_engagement_daily.overall_stickiness,
      rpt_engagement_daily.overall_weekly_stickiness]
    sorts: [rpt_engagement_daily.report_date]
    limit: 500
    listen:
      tenant: dim_tenants.tenant_name
      date: rpt_engagement_daily.report_date
    row: 0
    col: 16
    width: 8
    height: 8

  - name: session_duration_trend
    title: Average session duration by device (s)
    model: hire10x_user_analytics
    explore: session_duration
    type: looker_line
    fields: [rpt_session_duration_daily.report_date, rpt_session_duration_daily.device,
      rpt_session_duration_daily.average_duration_seconds]
    pivots: [rpt_session_duration_daily.device]
    sorts: [rpt_session_duration_daily.report_date, rpt_session_duration_daily.device]
    limit: 500
    listen:
      tenant: dim_tenants.tenant_name
      date: rpt_session_duration_daily.report_date
    row: 8
    col: 0
    width: 16
    height: 8

  - name: session_duration_by_device
    title: Sessions by device
    note_text: Median and p95 are the highest per tenant and day (percentiles cannot be added up or averaged).
    model: hire10x_user_analytics
    explore: session_duration
    type: looker_grid
    fields: [rpt_session_duration_daily.device, rpt_session_duration_daily.sum_sessions,
      rpt_session_duration_daily.average_duration_seconds, rpt_session_duration_daily.max_p50_duration_seconds,
      rpt_session_duration_daily.max_p95_duration_seconds]
    sorts: [rpt_session_duration_daily.sum_sessions desc]
    limit: 50
    listen:
      tenant: dim_tenants.tenant_name
      date: rpt_session_duration_daily.report_date
    row: 8
    col: 16
    width: 8
    height: 8

  - name: feature_adoption
    title: Feature adoption
    note_text: Adoption rate = users who ever used the feature / the tenants' users, both summed over the days shown.
    model: hire10x_user_analytics
    explore: feature_adoption
    type: looker_bar
    fields: [rpt_feature_adoption_daily.feature, rpt_feature_adoption_daily.overall_adoption_rate,
      rpt_feature_adoption_daily.sum_new_adopters]
    sorts: [rpt_feature_adoption_daily.overall_adoption_rate desc]
    limit: 50
    listen:
      tenant: dim_tenants.tenant_name
      date: rpt_feature_adoption_daily.report_date
    row: 16
    col: 0
    width: 12
    height: 8

  - name: feature_usage_trend
    title: Feature events per day
    model: hire10x_user_analytics
    explore: feature_adoption
    type: looker_area
    fields: [rpt_feature_adoption_daily.report_date, rpt_feature_adoption_daily.feature,
      rpt_feature_adoption_daily.sum_events]
    pivots: [rpt_feature_adoption_daily.feature]
    sorts: [rpt_feature_adoption_daily.report_date, rpt_feature_adoption_daily.feature]
    limit: 500
    stacking: normal
    listen:
      tenant: dim_tenants.tenant_name
      date: rpt_feature_adoption_daily.report_date
    row: 16
    col: 12
    width: 12
    height: 8

  - name: common_paths
    title: Common paths (first two features of a session)
    note_text: Paths taken by fewer than 5 sessions of a tenant and day are folded into (other).
    model: hire10x_user_analytics
    explore: user_journeys
    type: looker_grid
    fields: [rpt_user_journeys_daily.path, rpt_user_journeys_daily.steps, rpt_user_journeys_daily.sum_sessions]
    sorts: [rpt_user_journeys_daily.sum_sessions desc]
    limit: 15
    listen:
      tenant: dim_tenants.tenant_name
      date: rpt_user_journeys_daily.report_date
    row: 24
    col: 0
    width: 12
    height: 8

  - name: recruiting_funnel
    title: Recruiting funnel
    model: hire10x_user_analytics
    explore: feature_funnel
    type: looker_column
    fields: [rpt_feature_funnel_daily.step, rpt_feature_funnel_daily.step_name, rpt_feature_funnel_daily.sum_users,
      rpt_feature_funnel_daily.overall_conversion_from_start, rpt_feature_funnel_daily.overall_conversion_from_previous]
    hidden_fields: [rpt_feature_funnel_daily.step]
    sorts: [rpt_feature_funnel_daily.step]
    limit: 10
    listen:
      tenant: dim_tenants.tenant_name
      date: rpt_feature_funnel_daily.report_date
    row: 24
    col: 12
    width: 12
    height: 8
