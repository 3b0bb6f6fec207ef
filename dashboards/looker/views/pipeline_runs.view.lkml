# One row per pipeline run (per Temporal run), with stage wall times and row totals: how the daily pipeline scales.
# Platform-wide (no tenant). The JSON row_counts column is not exposed.
view: pipeline_runs {
  sql_table_name: @{dataset}.pipeline_runs ;;

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: CONCAT(${TABLE}.workflow_id, '|', ${TABLE}.run_id) ;;
  }

  dimension: workflow_id {
    type: string
    sql: ${TABLE}.workflow_id ;;
    description: "Temporal workflow id (e.g. user-analytics-daily:2026-11-27): open it in the Temporal UI."
  }

  dimension: run_id {
    type: string
    sql: ${TABLE}.run_id ;;
    description: "Temporal run id (a reset starts a new run)."
  }

  dimension: pipeline {
    type: string
    sql: ${TABLE}.pipeline ;;
  }

  dimension_group: logical {
    label: "Logical"
    type: time
    datatype: date
    convert_tz: no
    timeframes: [raw, date, week, month, quarter, year]
    sql: ${TABLE}.logical_date ;;
    description: "Data day the run processed; the partition column."
  }

  dimension: status {
    type: string
    sql: ${TABLE}.status ;;
    description: "running | succeeded | failed | cancelled."
  }

  dimension_group: started {
    type: time
    timeframes: [raw, time, hour, date]
    sql: ${TABLE}.started_at ;;
  }

  dimension_group: finished {
    type: time
    timeframes: [raw, time, hour, date]
    sql: ${TABLE}.finished_at ;;
  }

  dimension: run_ms {
    label: "Run time (ms)"
    type: number
    sql: TIMESTAMP_DIFF(${TABLE}.finished_at, ${TABLE}.started_at, MILLISECOND) ;;
    value_format_name: decimal_0
  }

  dimension: extract_ms {
    group_label: "Stage times (ms)"
    type: number
    sql: ${TABLE}.extract_ms ;;
  }

  dimension: transform_ms {
    group_label: "Stage times (ms)"
    type: number
    sql: ${TABLE}.transform_ms ;;
  }

  dimension: load_ms {
    group_label: "Stage times (ms)"
    type: number
    sql: ${TABLE}.load_ms ;;
  }

  dimension: quality_ms {
    group_label: "Stage times (ms)"
    type: number
    sql: ${TABLE}.quality_ms ;;
  }

  dimension: publish_ms {
    group_label: "Stage times (ms)"
    type: number
    sql: ${TABLE}.publish_ms ;;
  }

  dimension: rows_extracted {
    type: number
    sql: ${TABLE}.rows_extracted ;;
    description: "Rows read from the source, all tables."
  }

  dimension: rows_loaded {
    type: number
    sql: ${TABLE}.rows_loaded ;;
    description: "Rows written to the warehouse, all tables."
  }

  dimension: error_type {
    type: string
    sql: ${TABLE}.error_type ;;
  }

  dimension: error_message {
    type: string
    sql: ${TABLE}.error_message ;;
    description: "Failure message, truncated; carries no payload data."
  }

  measure: runs {
    type: count
    description: "Runs."
  }

  measure: avg_extract_ms {
    label: "Extract (ms, mean per run)"
    type: average
    sql: ${extract_ms} ;;
    value_format_name: decimal_0
  }

  measure: avg_transform_ms {
    label: "Transform (ms, mean per run)"
    type: average
    sql: ${transform_ms} ;;
    value_format_name: decimal_0
  }

  measure: avg_load_ms {
    label: "Load (ms, mean per run)"
    type: average
    sql: ${load_ms} ;;
    value_format_name: decimal_0
  }

  measure: avg_quality_ms {
    label: "Quality (ms, mean per run)"
    type: average
    sql: ${quality_ms} ;;
    value_format_name: decimal_0
  }

  measure: avg_publish_ms {
    label: "Publish (ms, mean per run)"
    type: average
    sql: ${publish_ms} ;;
    value_format_name: decimal_0
  }

  measure: sum_rows_extracted {
    label: "Rows extracted"
    type: sum
    sql: ${rows_extracted} ;;
  }

  measure: sum_rows_loaded {
    label: "Rows loaded"
    type: sum
    sql: ${rows_loaded} ;;
  }

  measure: sum_stage_ms {
    hidden: yes
    type: sum
    sql: COALESCE(${extract_ms}, 0) + COALESCE(${transform_ms}, 0) + COALESCE(${load_ms}, 0) + COALESCE(${quality_ms}, 0) + COALESCE(${publish_ms}, 0) ;;
  }

  measure: rows_per_second {
    label: "Throughput (rows loaded per stage second)"
    type: number
    sql: SAFE_DIVIDE(${sum_rows_loaded}, ${sum_stage_ms} / 1000) ;;
    value_format_name: decimal_0
    description: "Summed rows loaded / summed stage time: how throughput holds up as days grow."
  }
}
