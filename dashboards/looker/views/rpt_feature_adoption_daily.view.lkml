# Feature adoption per tenant, feature and day. A row exists for every feature the tenant has used at least once.
# Its explore joins rpt_engagement_daily (same tenant and day) for the users the adoption rate divides by.
view: rpt_feature_adoption_daily {
  sql_table_name: @{dataset}.rpt_feature_adoption_daily ;;

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: CONCAT(CAST(${TABLE}.report_date AS STRING), '|', ${TABLE}.tenant_id, '|', ${TABLE}.feature) ;;
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

  dimension: feature {
    type: string
    sql: ${TABLE}.feature ;;
  }

  dimension: events {
    group_label: "Per tenant, feature and day"
    type: number
    sql: ${TABLE}.events ;;
  }

  dimension: active_users {
    group_label: "Per tenant, feature and day"
    type: number
    sql: ${TABLE}.active_users ;;
  }

  dimension: new_adopters {
    group_label: "Per tenant, feature and day"
    type: number
    sql: ${TABLE}.new_adopters ;;
  }

  dimension: cumulative_adopters {
    group_label: "Per tenant, feature and day"
    type: number
    sql: ${TABLE}.cumulative_adopters ;;
  }

  dimension: adoption_rate {
    group_label: "Per tenant, feature and day"
    type: number
    sql: ${TABLE}.adoption_rate ;;
    value_format_name: percent_1
    description: "cumulative_adopters / the tenant's users, of the row. Do not average it: use Adoption rate."
  }

  measure: sum_events {
    label: "Events"
    type: sum
    sql: ${events} ;;
  }

  measure: sum_active_users {
    label: "Active users"
    type: sum
    sql: ${active_users} ;;
    description: "Distinct users of the feature, added up over tenants (per day)."
  }

  measure: sum_new_adopters {
    label: "New adopters"
    type: sum
    sql: ${new_adopters} ;;
    description: "First-time users of the feature: adds up over tenants and days."
  }

  measure: sum_cumulative_adopters {
    label: "Adopters to date"
    type: sum
    sql: ${cumulative_adopters} ;;
    description: "Users who have ever used the feature, added up over tenants (per day)."
  }

  # rpt_engagement_daily is joined many_to_one on (tenant, day), so its sum is taken once per tenant-day (symmetric
  # aggregate on its primary key). Across tenants the denominator holds the tenants with at least one adopter of the
  # feature (the others have no row), so the cross-tenant rate reads a little high; per tenant it is exact.
  measure: overall_adoption_rate {
    label: "Adoption rate"
    type: number
    sql: SAFE_DIVIDE(${sum_cumulative_adopters}, ${rpt_engagement_daily.sum_total_users}) ;;
    value_format_name: percent_1
    description: "Adopters to date / the tenants' users on the same days (per day)."
  }
}
