import { Storage } from '@google-cloud/storage';
import { WebhookNotifier } from '../adapters/notifications/webhook';
import { PubSubEventBus } from '../adapters/event-bus/pubsub';
import { createRedis } from '../adapters/redis-client';
import { loadConfig, type GcpConfig } from '../config';
import { MemoryAlertState, RedisAlertState } from './alerts/state';
import { jsonLog } from './log';
import { registerFunctions } from './register';

/**
 * The deployed module (`main` of functions/package.json after `npm run functions:build`): registers
 * `eventProcessor`, `dataValidation` and `alertHandler` over the production adapters, configured from the
 * environment (config/schema.ts; PLATFORM=gcp).
 */
let config: GcpConfig | undefined;
function gcpConfig(): GcpConfig {
  if (config) return config;
  const loaded = loadConfig();
  if (loaded.platform !== 'gcp') throw new Error('the Cloud Functions run with PLATFORM=gcp (and GCP_PROJECT_ID)');
  return (config = loaded);
}

registerFunctions({
  eventProcessor: () => {
    const c = gcpConfig();
    return {
      bus: new PubSubEventBus({ projectId: c.gcp.projectId, topic: c.pubsub.topic, apiEndpoint: c.pubsub.apiEndpoint }),
      shards: c.stream.shards,
      log: jsonLog,
    };
  },
  dataValidation: () => {
    const c = gcpConfig();
    const alerts = new PubSubEventBus({
      projectId: c.gcp.projectId,
      topic: c.functions.alertsTopic,
      apiEndpoint: c.pubsub.apiEndpoint,
    });
    return {
      storage: new Storage({ projectId: c.gcp.projectId, apiEndpoint: c.gcp.gcsApiEndpoint }),
      rawBucket: c.gcp.buckets.raw,
      quarantineBucket: c.functions.quarantineBucket,
      alerts: alerts.topic,
      log: jsonLog,
    };
  },
  alertHandler: () => {
    const c = gcpConfig();
    return {
      state:
        c.functions.alertStateStore === 'redis' ? new RedisAlertState(createRedis(c.redis)) : new MemoryAlertState(),
      notifier: new WebhookNotifier(c.notifyWebhookUrl, (message, meta) => jsonLog('INFO', message, meta)),
      dedupeWindowMs: c.functions.alertDedupeWindowMs,
      rateLimit: c.functions.alertRateLimit,
      rateWindowMs: c.functions.alertRateWindowMs,
      log: jsonLog,
    };
  },
});
