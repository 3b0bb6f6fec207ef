# User engagement explores. Every explore over a day-partitioned mart always filters its partition column, so
# BigQuery prunes partitions (the dashboards' date filter sets it; the default applies otherwise).

explore: engagement {
  label: "Engagement: active users"
  group_label: "Hire10x user analytics"
  view_name: rpt_engagement_daily
  always_filter: {
    filters: [rpt_engagement_daily.report_date: "30 days"]
  }

  join: dim_tenants {
    type: left_outer
    relationship: many_to_one
    sql_on: ${rpt_engagement_daily.tenant_id} = ${dim_tenants.tenant_id} ;;
  }
}

explore: session_duration {
  label: "Engagement: session duration"
  group_label: "Hire10x user analytics"
  view_name: rpt_session_duration_daily
  always_filter: {
    filters: [rpt_session_duration_daily.report_date: "30 days"]
  }

  join: dim_tenants {
    type: left_outer
    relationship: many_to_one
    sql_on: ${rpt_session_duration_daily.tenant_id} = ${dim_tenants.tenant_id} ;;
  }
}

explore: feature_adoption {
  label: "Engagement: feature adoption"
  group_label: "Hire10x user analytics"
  view_name: rpt_feature_adoption_daily
  always_filter: {
    filters: [rpt_feature_adoption_daily.report_date: "30 days"]
  }

  join: dim_tenants {
    type: left_outer
    relationship: many_to_one
    sql_on: ${rpt_feature_adoption_daily.tenant_id} = ${dim_tenants.tenant_id} ;;
  }

  # The tenant's users on the same day: the adoption rate's denominator. The date filter is repeated on the joined
  # table's own partition column (a join condition alone does not prune its partitions).
  join: rpt_engagement_daily {
    type: left_outer
    relationship: many_to_one
    sql_on: ${rpt_feature_adoption_daily.tenant_id} = ${rpt_engagement_daily.tenant_id}
      AND ${rpt_feature_adoption_daily.report_raw} = ${rpt_engagement_daily.report_raw}
      AND {% condition rpt_feature_adoption_daily.report_date %} ${rpt_engagement_daily.report_raw} {% endcondition %} ;;
  }
}

explore: user_journeys {
  label: "Engagement: common paths"
  group_label: "Hire10x user analytics"
  view_name: rpt_user_journeys_daily
  always_filter: {
    filters: [rpt_user_journeys_daily.report_date: "30 days"]
  }

  join: dim_tenants {
    type: left_outer
    relationship: many_to_one
    sql_on: ${rpt_user_journeys_daily.tenant_id} = ${dim_tenants.tenant_id} ;;
  }
}

explore: feature_funnel {
  label: "Engagement: recruiting funnel"
  group_label: "Hire10x user analytics"
  view_name: rpt_feature_funnel_daily
  always_filter: {
    filters: [rpt_feature_funnel_daily.report_date: "30 days"]
  }

  join: dim_tenants {
    type: left_outer
    relationship: many_to_one
    sql_on: ${rpt_feature_funnel_daily.tenant_id} = ${dim_tenants.tenant_id} ;;
  }

  # Step 1 of the same tenant and day, for the conversion from the start.
  join: funnel_start {
    from: rpt_feature_funnel_daily
    view_label: "Funnel: step 1"
    type: left_outer
    relationship: many_to_one
    sql_on: ${rpt_feature_funnel_daily.tenant_id} = ${funnel_start.tenant_id}
      AND ${rpt_feature_funnel_daily.report_raw} = ${funnel_start.report_raw}
      AND ${funnel_start.step} = 1
      AND {% condition rpt_feature_funnel_daily.report_date %} ${funnel_start.report_raw} {% endcondition %} ;;
  }

  # The step before, same tenant and day, for the step-to-step conversion.
  join: funnel_previous {
    from: rpt_feature_funnel_daily
    view_label: "Funnel: previous step"
    type: left_outer
    relationship: one_to_one
    sql_on: ${rpt_feature_funnel_daily.tenant_id} = ${funnel_previous.tenant_id}
      AND ${rpt_feature_funnel_daily.report_raw} = ${funnel_previous.report_raw}
      AND ${funnel_previous.step} = ${rpt_feature_funnel_daily.step} - 1
      AND {% condition rpt_feature_funnel_daily.report_date %} ${funnel_previous.report_raw} {% endcondition %} ;;
  }
}
