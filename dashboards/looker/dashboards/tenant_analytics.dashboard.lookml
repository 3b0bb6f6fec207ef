# Tenant analytics: growth, resource utilisation (seats, API calls, stored rows, pipeline cost share), team
# performance and composition, user distribution. Every tile listens to the tenant and date filters.
- dashboard: tenant_analytics
  title: Tenant analytics
  description: Growth, resource use, teams and user distribution per tenant and day.
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
    explore: tenant_growth
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
  - name: users_over_time
    title: Users and 30-day active users
    model: hire10x_user_analytics
    explore: tenant_growth
    type: looker_line
    fields: [rpt_tenant_growth_daily.report_date, rpt_tenant_growth_daily.sum_total_users,
      rpt_tenant_growth_daily.sum_active_users_30d]
    sorts: [rpt_tenant_growth_daily.report_date]
    limit: 500
    listen:
      tenant: dim_tenants.tenant_name
      date: rpt_tenant_growth_daily.report_date
    row: 0
    col: 0
    width: 12
    height: 8

  - name: user_flows
    title: New and deleted users
    model: hire10x_user_analytics
    explore: tenant_growth
    type: looker_column
    fields: [rpt_tenant_growth_daily.report_date, rpt_tenant_growth_daily.sum_new_users,
      rpt_tenant_growth_daily.sum_deleted_users, rpt_tenant_growth_daily.net_new_users]
    sorts: [rpt_tenant_growth_daily.report_date]
    limit: 500
    listen:
      tenant: dim_tenants.tenant_name
      date: rpt_tenant_growth_daily.report_date
    row: 0
    col: 12
    width: 12
    height: 8

  - name: growth_by_plan
    title: Growth by plan
    model: hire10x_user_analytics
    explore: tenant_growth
    type: looker_grid
    fields: [dim_tenants.plan, dim_tenants.tenants, rpt_tenant_growth_daily.sum_new_users,
      rpt_tenant_growth_daily.sum_deleted_users, rpt_tenant_growth_daily.sum_new_teams]
    sorts: [rpt_tenant_growth_daily.sum_new_users desc]
    limit: 10
    listen:
      tenant: dim_tenants.tenant_name
      date: rpt_tenant_growth_daily.report_date
    row: 8
    col: 0
    width: 8
    height: 6

  - name: seats
    title: Seats used and active users
    model: hire10x_user_analytics
    explore: tenant_resources
    type: looker_line
    fields: [rpt_tenant_resources_daily.report_date, rpt_tenant_resources_daily.sum_seats_used,
      rpt_tenant_resources_daily.sum_active_users, rpt_tenant_resources_daily.seat_utilisation]
    sorts: [rpt_tenant_resources_daily.report_date]
    limit: 500
    listen:
      tenant: dim_tenants.tenant_name
      date: rpt_tenant_resources_daily.report_date
    row: 8
    col: 8
    width: 16
    height: 6

  - name: resource_use_by_tenant
    title: Resource use by tenant
    note_text: Pipeline cost follows rows stored (each tenant's share of the day's fact rows); stage times are on System performance.
    model: hire10x_user_analytics
    explore: tenant_resources
    type: looker_grid
    fields: [dim_tenants.tenant_name, dim_tenants.plan, rpt_tenant_resources_daily.avg_daily_seats_used,
      rpt_tenant_resources_daily.sum_api_calls, rpt_tenant_resources_daily.api_server_error_rate,
      rpt_tenant_resources_daily.sum_stored_rows]
    sorts: [rpt_tenant_resources_daily.sum_stored_rows desc]
    limit: 50
    listen:
      tenant: dim_tenants.tenant_name
      date: rpt_tenant_resources_daily.report_date
    row: 14
    col: 0
    width: 24
    height: 8

  - name: team_performance
    title: Team performance
    model: hire10x_user_analytics
    explore: team_performance
    type: looker_grid
    fields: [dim_tenants.tenant_name, rpt_team_performance_daily.team_name, dim_teams.created_date,
      rpt_team_performance_daily.sum_collaborations, rpt_team_performance_daily.overall_collaborations_per_member,
      rpt_team_performance_daily.active_member_share, rpt_team_performance_daily.sum_shares,
      rpt_team_performance_daily.sum_comments, rpt_team_performance_daily.sum_assignments,
      rpt_team_performance_daily.sum_mentions]
    sorts: [rpt_team_performance_daily.sum_collaborations desc]
    limit: 25
    listen:
      tenant: dim_tenants.tenant_name
      date: rpt_team_performance_daily.report_date
    row: 22
    col: 0
    width: 16
    height: 8

  - name: team_composition
    title: Team members by role (daily mean)
    model: hire10x_user_analytics
    explore: team_composition
    type: looker_bar
    fields: [rpt_team_composition_daily.role_name, rpt_team_composition_daily.avg_daily_members,
      rpt_team_composition_daily.active_share_30d]
    sorts: [rpt_team_composition_daily.avg_daily_members desc]
    limit: 20
    listen:
      tenant: dim_tenants.tenant_name
      date: rpt_team_composition_daily.report_date
    row: 22
    col: 16
    width: 8
    height: 8

  - name: users_by_country
    title: Users by country (daily mean)
    note_text: Countries with fewer than 5 users in a tenant are folded into (other).
    model: hire10x_user_analytics
    explore: user_distribution
    type: looker_bar
    fields: [rpt_user_distribution_daily.attribute_value, rpt_user_distribution_daily.avg_daily_users]
    filters:
      rpt_user_distribution_daily.attribute: country
    sorts: [rpt_user_distribution_daily.avg_daily_users desc]
    limit: 20
    listen:
      tenant: dim_tenants.tenant_name
      date: rpt_user_distribution_daily.report_date
    row: 30
    col: 0
    width: 12
    height: 8

  - name: users_by_role
    title: Users by role (daily mean)
    model: hire10x_user_analytics
    explore: user_distribution
    type: looker_pie
    fields: [rpt_user_distribution_daily.attribute_value, rpt_user_distribution_daily.avg_daily_users]
    filters:
      rpt_user_distribution_daily.attribute: role
    sorts: [rpt_user_distribution_daily.avg_daily_users desc]
    limit: 20
    listen:
      tenant: dim_tenants.tenant_name
      date: rpt_user_distribution_daily.report_date
    row: 30
    col: 12
    width: 12
    height: 8
