# Hire10x user analytics: the Looker project over the BigQuery dataset the warehouse schema generates
# (schema/warehouse -> infra/terraform/bigquery/tables). See README.md.
project_name: "hire10x_user_analytics"

# The BigQuery dataset every view reads (schema/warehouse/dataset.ts: user_analytics). Unqualified, BigQuery resolves
# it in the project the Looker connection runs its jobs in; when the data lives in another project, qualify it,
# e.g. "`my-data-project`.user_analytics" (the checker accepts either form but insists on the dataset name).
constant: dataset {
  value: "user_analytics"
}
