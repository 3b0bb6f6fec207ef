# Security incidents per tenant and day from the batch detectors and the real-time rules, by detector, severity and
# status: incident tracking over time.
view: rpt_incidents_daily {
  sql_table_name: @{dataset}.rpt_incidents_daily ;;

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: CONCAT(CAST(${TABLE}.report_date AS STRING), '|', ${TABLE}.tenant_id, '|', ${TABLE}.source, '|', ${TABLE}.detector, '|', ${TABLE}.severity, '|', ${TABLE}.status) ;;
  }

  dimension_group: report {
    type: time
    datatype: date
    convert_tz: no
    timeframes: [raw, date, week, month, quarter, year]
    sql: ${TABLE}.report_date ;;
    description: "UTC day the incidents belong to; the partition column."
  }

  dimension: tenant_id {
    hidden: yes
    type: string
    sql: ${TABLE}.tenant_id ;;
  }

  dimension: source {
    type: string
    sql: ${TABLE}.source ;;
    description: "batch | stream."
  }

  dimension: detector {
    type: string
    sql: ${TABLE}.detector ;;
  }

  dimension: severity {
    type: string
    sql: ${TABLE}.severity ;;
    description: "low | medium | high (batch); n/a for stream rules."
  }

  dimension: status {
    type: string
    sql: ${TABLE}.status ;;
    description: "detected (batch) | open | notified (stream)."
  }

  dimension: incidents {
    group_label: "Per row"
    type: number
    sql: ${TABLE}.incidents ;;
  }

  dimension: failed_attempts {
    group_label: "Per row"
    type: number
    sql: ${TABLE}.failed_attempts ;;
  }

  dimension: p95_detection_latency_ms {
    group_label: "Per row"
    type: number
    sql: ${TABLE}.p95_detection_latency_ms ;;
    value_format_name: decimal_0
  }

  measure: sum_incidents {
    label: "Incidents"
    type: sum
    sql: ${incidents} ;;
  }

  measure: sum_failed_attempts {
    label: "Failed attempts in incidents"
    type: sum
    sql: ${failed_attempts} ;;
  }

  measure: max_p95_detection_latency_ms {
    label: "Highest p95 detection latency (ms)"
    type: max
    sql: ${p95_detection_latency_ms} ;;
    value_format_name: decimal_0
    description: "The largest per-row 95th percentile (stream rules only; percentiles cannot be summed or averaged)."
  }
}
