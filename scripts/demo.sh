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

first="$(echo "$days" | head -1)"
last="$(echo "$days" | tail -1)"
step "backfill dry run over the seeded days ($first … $last): which days a backfill would run"
analytics backfill --from "$first" --to "$last" --mode missing --dry-run --wait
step "data retention dry run as of today: what would be archived or deleted (nothing changes)"
analytics retention run --as-of "$(date -u +%F)" --dry-run --wait
step "the watchdog: expected runs of the last 2 days past their deadline (no Composer here, so nothing starts them)"
analytics watchdog --lookback-days 2

step "real time: the User Module simulated for 20 s (source rows + outbox → Redis Streams → consumers → 1-minute windows)"
analytics stream start
analytics app simulate --rate 200 --duration 20 --seed "demo-$(date +%s)" --malformed-share 0.01
sleep 3 # the consumers commit within a batch or two
analytics stream status --metrics 5

step "GDPR: the HTTP API (also the Web UI's codec endpoint), an API key, one erasure through the API"
analytics dev up --api
keyfile=".data/secrets/demo-api-key"
if [[ ! -s "$keyfile" ]]; then
  mkdir -p "$(dirname "$keyfile")"
  (umask 077 && analytics api-keys create --scopes gdpr:write,gdpr:read --description "npm run demo" >"$keyfile")
fi
export ANALYTICS_API_KEY="$(cat "$keyfile")"
read -r tenant user < <(analytics db sample-user --seed "demo-$(date +%s)")
echo "erasing user $user of tenant $tenant (suspend → purge cache → erase source → warehouse → lake → verify)"
final="$(analytics gdpr erase --tenant "$tenant" --user "$user" --requested-by demo --reason "npm run demo" --wait)"
request="$(node -e 'const s=JSON.parse(process.argv[1]);console.log(s.requestId)' "$final")"
state="$(node -e 'const s=JSON.parse(process.argv[1]);console.log(s.state)' "$final")"
echo "request $request: $state"
if [[ "$state" == "completed" ]]; then
  step "deletion certificate of $request"
  analytics gdpr certificate "$request"
else
  echo "$final"
fi
step "the dashboards (served by the API over the warehouse the runs above filled)"
analytics dashboards || info "the API does not serve them: it predates them; restart it (npm run down, then npm run demo)"
ui="$(analytics dev status --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).services.temporal.uiUrl))')"
cat <<EOT

Temporal Web UI (the pipeline monitor): $ui
  daily runs:  $ui/namespaces/default/workflows?query=Pipeline%3D%22user-analytics-daily%22
  failed runs: $ui/namespaces/default/workflows?query=ExecutionStatus%3D%22Failed%22
  erasures:    $ui/namespaces/default/workflows?query=Pipeline%3D%22gdpr-erasure%22
  consumers:   $ui/namespaces/default/workflows?query=Pipeline%3D%22stream-consumer%22  (StreamState, StreamLag, StreamDeadLetters)
  one day:     $ui/namespaces/default/workflows?query=LogicalDate%3D%22$last%22
  watchdog:    $ui/namespaces/default/schedules/pipeline-watchdog
GDPR API: http://127.0.0.1:${API_PORT:-8080}/openapi.json (key in $keyfile; npx analytics gdpr --help)
Dashboards: http://127.0.0.1:${API_PORT:-8080}/dashboards/  (engagement, tenants, security, system; npx analytics dashboards)
Query the warehouse:  npx analytics warehouse query "select * from user_analytics.rpt_engagement_daily limit 5"
Real time:  npx analytics app simulate --rate 200 --duration 60 && npx analytics stream status --metrics 5
The platform keeps running so you can explore it. Stop everything it started with: npm run down
EOT
