/**
 * The layering the folder READMEs state, enforced (`npm run lint:deps`, part of `npm run lint`).
 * Each rule names the README it comes from. Type-only imports count as imports for cycles but are allowed across
 * layers where a README says "types only".
 */
const PORTS_ONLY = '^adapters/(ports|errors|port-base|[a-z-]+/port)\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'No import cycles, type-only imports included (a cycle means a missing contract module).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'activities-use-ports-only',
      comment: 'activities/README.md: activities import ports (adapters/ports.ts, adapters/errors.ts), never adapters.',
      severity: 'error',
      from: { path: '^activities/' },
      to: { path: '^adapters/', pathNot: PORTS_ONLY },
    },
    {
      name: 'activities-no-drivers',
      comment: 'activities/README.md: no database drivers or provider SDKs in activities (only workers/ choose them).',
      severity: 'error',
      from: { path: '^activities/' },
      to: {
        path: 'node_modules/(@duckdb|@google-cloud|pg|pg-copy-streams|ioredis|hyparquet|@grpc)/',
      },
    },
    {
      name: 'activities-not-workers-cli-api',
      severity: 'error',
      from: { path: '^activities/' },
      to: { path: '^(workers|cli|api)/' },
    },
    {
      name: 'workflows-sandbox',
      comment:
        'workflows/README.md: value imports only from workflows/, @temporalio/workflow|common and zod; types only from activities/ and adapters/.',
      severity: 'error',
      from: { path: '^workflows/' },
      to: { path: '^(activities|adapters)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'workflows-no-outer-layers',
      severity: 'error',
      from: { path: '^workflows/' },
      to: { path: '^(workers|cli|api|config|security|datagen)/' },
    },
    {
      name: 'adapters-not-inward',
      comment: 'adapters/README.md: adapters must not import activities, workflows or workers.',
      severity: 'error',
      from: { path: '^adapters/' },
      to: { path: '^(activities|workflows|workers|cli|api)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'schema-pure',
      comment: 'schema/README.md: pure TypeScript definitions; no outer layer.',
      severity: 'error',
      from: { path: '^schema/' },
      to: { path: '^(activities|adapters|workflows|workers|cli|api|config|security|datagen|streaming)/' },
    },
    {
      name: 'config-leaf',
      comment:
        'config/README.md: zod, yaml, Node built-ins, the pure shared definitions in workflows/ (pipelines, task queues, UI links) and the Dataproc options schemas (cluster, Serverless).',
      severity: 'error',
      from: { path: '^config/' },
      to: {
        path: '^(activities|adapters|workflows|workers|cli|api|security|datagen)/',
        pathNot:
          '^(workflows/(pipelines|ui-links|task-queues|days)|adapters/spark/dataproc(-serverless)?-options)\\.ts$',
      },
    },
    {
      name: 'security-not-outer',
      comment: 'security/README.md: never workers/, api/ or cli/.',
      severity: 'error',
      from: { path: '^security/' },
      to: { path: '^(workers|api|cli)/' },
    },
    {
      name: 'workers-not-cli-api',
      comment: 'workers/README.md: everything except cli/ and api/.',
      severity: 'error',
      from: { path: '^workers/' },
      to: { path: '^(cli|api)/' },
    },
    {
      name: 'api-layers',
      comment: 'api/README.md: config/, schema/, security/, workflows/ (contracts) and @temporalio/client.',
      severity: 'error',
      from: { path: '^api/' },
      to: { path: '^(activities|adapters|workers|cli|datagen)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'datagen-leaf',
      comment: 'datagen/README.md: schema/ and drivers only.',
      severity: 'error',
      from: { path: '^datagen/' },
      to: { path: '^(activities|adapters|workflows|workers|cli|api)/' },
    },
    {
      name: 'streaming-pure',
      comment: 'streaming/README.md: the stream processor is pure; it may import schema/ only.',
      severity: 'error',
      from: { path: '^streaming/' },
      to: { path: '^(activities|adapters|workflows|workers|cli|api|config|security|datagen)/' },
    },
    {
      name: 'dashboards-layers',
      comment:
        'dashboards/README.md: schema/, the pure shared definitions in workflows/ (pipelines, UI links), zod and Node built-ins; the Warehouse port as types only.',
      severity: 'error',
      from: { path: '^dashboards/' },
      to: {
        path: '^(activities|adapters|workflows|workers|cli|api|config|security|datagen|streaming)/',
        pathNot: '^workflows/(pipelines|ui-links|days|task-queues)\\.ts$',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'functions-layers',
      comment:
        'functions/README.md: schema/, adapters/, config/ and the pure stream routing in workflows/stream-routing.ts; never activities, workers, cli, api or datagen.',
      severity: 'error',
      from: { path: '^functions/' },
      to: {
        path: '^(activities|workflows|workers|cli|api|security|datagen|dashboards|streaming)/',
        pathNot: '^workflows/(stream-routing|pipelines|task-queues|ui-links|days)\\.ts$',
      },
    },
    {
      name: 'nothing-imports-functions',
      comment: 'functions/README.md: the functions are a leaf; no other layer imports them.',
      severity: 'error',
      from: { pathNot: '^(functions|test|bench)/' },
      to: { path: '^functions/' },
    },
    {
      name: 'production-not-tests',
      comment: 'Production code never imports test/ or bench/.',
      severity: 'error',
      from: {
        path: '^(activities|adapters|workflows|workers|cli|api|config|security|schema|datagen|streaming|dashboards|functions)/',
      },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|\\.data)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
