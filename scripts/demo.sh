#!/usr/bin/env bash
# `npm run demo`: set-up, the local platform, a background worker, and the main job on the embedded default:
# seed the small data set, run the daily pipeline for each seeded day, print the dashboards' headline numbers.
# Idempotent: a second run reuses what is installed, running, seeded and already computed.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
analytics() { node bin/analytics.js "$@"; }

bash scripts/bootstrap.sh
step "starting the local platform (Temporal, PostgreSQL, Redis) and a worker"
analytics dev up --worker
step "platform health check (a workflow)"
analytics health
step "seeding the source database (small: ~1k users, 2 days of events; kept if already seeded)"
analytics seed --scale small --days "${DEMO_DAYS:-2}" --seed demo --if-empty >/dev/null
days="$(analytics db event-days)"
for day in $days; do
  step "daily pipeline for $day (extract → Spark → load → quality → publish)"
  analytics run daily --date "$day" --wait
done
step "headline dashboard numbers"
analytics report
ui="$(analytics dev status --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).services.temporal.uiUrl))')"
cat <<EOT

Temporal Web UI (the pipeline monitor): $ui
  daily runs:  $ui/namespaces/default/workflows?query=Pipeline%3D%22user-analytics-daily%22
  failed runs: $ui/namespaces/default/workflows?query=ExecutionStatus%3D%22Failed%22
Query the warehouse:  npx analytics warehouse query "select * from user_analytics.rpt_engagement_daily limit 5"
The platform keeps running so you can explore it. Stop everything it started with: npm run down
EOT
