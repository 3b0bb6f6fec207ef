#!/usr/bin/env bash
# `npm run demo`: set-up, the local platform, a background worker, and the main job on the embedded default.
# Idempotent: a second run reuses what is installed and running.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
bash scripts/bootstrap.sh
step "starting the local platform (Temporal, PostgreSQL, Redis) and a worker"
node bin/analytics.js dev up --worker
step "running the platform health-check workflow"
node bin/analytics.js health
ui="$(node bin/analytics.js dev status --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).services.temporal.uiUrl))')"
cat <<EOT

Temporal Web UI (the pipeline monitor): $ui
  runs of this demo: $ui/namespaces/default/workflows?query=Pipeline%3D%22platform-health%22
The platform keeps running so you can explore it. Stop everything it started with: npm run down
EOT
