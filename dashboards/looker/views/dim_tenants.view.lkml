# One row per tenant (customer organisation): the current snapshot of the source (SCD type 1). Every explore joins it
# on tenant_id for the tenant's name and plan; the dashboards' tenant filter is on tenant_name.
view: dim_tenants {
  sql_table_name: @{dataset}.dim_tenants ;;

  dimension: tenant_id {
    primary_key: yes
    type: string
    sql: ${TABLE}.tenant_id ;;
    description: "Source tenants.tenant_id."
  }

  dimension: tenant_name {
    label: "Tenant"
    type: string
    sql: ${TABLE}.tenant_name ;;
    description: "Organisation name."
  }

  dimension: plan {
    type: string
    sql: ${TABLE}.plan ;;
    description: "Current plan: free | starter | growth | enterprise."
  }

  dimension: hosting_region {
    type: string
    sql: ${TABLE}.region ;;
    description: "Hosting region: us | eu | in | apac."
  }

  dimension: status {
    label: "Tenant status"
    type: string
    sql: ${TABLE}.status ;;
    description: "trial | active | suspended | churned."
  }

  dimension_group: created {
    label: "Tenant signed up"
    type: time
    timeframes: [raw, date, month, year]
    sql: ${TABLE}.created_at ;;
  }

  measure: tenants {
    type: count_distinct
    sql: ${tenant_id} ;;
    description: "Distinct tenants."
  }
}
