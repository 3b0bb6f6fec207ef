# The one model: explores over the reporting marts, the operations table pipeline_runs and the real-time windows.
connection: "hire10x_bigquery"

include: "/views/*.view.lkml"
include: "/explores/*.explore.lkml"
include: "/dashboards/*.dashboard.lookml"

week_start_day: monday

# The marts change only when a pipeline run succeeds: userAnalyticsDaily (and each backfilled day) replaces the
# day's partitions at publish and then records the run; dataRetention drops expired partitions and records itself
# too. Caches therefore live until the next successful run is recorded. The trigger scans pipeline_runs without a
# partition filter on purpose: a backfill finishes today for an old logical_date, and the table holds one row per run.
datagroup: daily_pipeline {
  label: "Daily pipeline published"
  description: "New data after every successful pipeline run (pipeline_runs.finished_at); 24 h at most."
  sql_trigger: SELECT MAX(finished_at) FROM @{dataset}.pipeline_runs WHERE status = 'succeeded' ;;
  max_cache_age: "24 hours"
}

# The stream_* windows are projected from the consumers every few seconds; a closed window can still be corrected by
# a late event (updated_at moves). The trigger reads today's and yesterday's partitions only (they require a
# partition filter).
datagroup: stream_windows {
  label: "Real-time windows"
  description: "New data whenever a consumer updates a window; 5 minutes at most."
  sql_trigger: SELECT MAX(updated_at) FROM (
      SELECT updated_at FROM @{dataset}.stream_api_performance_1m
      WHERE window_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 1 DAY)
      UNION ALL
      SELECT updated_at FROM @{dataset}.stream_login_attempts_1m
      WHERE window_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 1 DAY)
    ) ;;
  max_cache_age: "5 minutes"
}

persist_with: daily_pipeline
