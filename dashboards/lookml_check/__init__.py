"""Offline checker of the LookML project in dashboards/looker against the generated BigQuery schema.

No Looker instance is needed: the project is parsed with lkml (and the YAML dashboards with PyYAML), and every table,
column, field, join, tile and filter it names is resolved against infra/terraform/bigquery/tables/*.json (the tables
Terraform creates) and jobs/schemas/*.json (the same columns with their GDPR erasure marks). See README.md there.
"""

from dashboards.lookml_check.checks import Problem, check_project
from dashboards.lookml_check.project import load_project
from dashboards.lookml_check.schema import load_warehouse

__all__ = ["Problem", "check_project", "load_project", "load_warehouse"]
