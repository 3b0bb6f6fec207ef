import type { CloudEvent } from '@google-cloud/functions-framework';
import type { Notification, Notifier } from '../adapters/ports';
import { channelOf, parseAlert, type AlertMessage } from './alerts/message';
import type { AlertStateStore } from './alerts/state';
import { pubSubMessageEventData } from './cloud-events';
import type { Log } from './log';

export interface AlertHandlerDeps {
  state: AlertStateStore;
  /** The Slack-compatible webhook (adapters/notifications/webhook.ts). */
  notifier: Notifier;
  dedupeWindowMs: number;
  rateLimit: number;
  rateWindowMs: number;
  log: Log;
}

export type AlertOutcome = 'posted' | 'duplicate' | 'rate_limited' | 'invalid';

const SEVERITY: Record<AlertMessage['severity'], Notification['severity']> = {
  critical: 'error',
  error: 'error',
  warning: 'warn',
  info: 'info',
};

function notificationOf(alert: AlertMessage): Notification {
  const details = Object.entries(alert.details ?? {}).map(([k, v]) => `• ${k}: ${String(v)}`);
  return {
    severity: SEVERITY[alert.severity],
    title: `[${alert.severity.toUpperCase()}] ${alert.title}`,
    text: [
      alert.text,
      ...details,
      `_${alert.kind} from ${alert.source} at ${alert.occurred_at} · key ${alert.key}_`,
    ].join('\n'),
    ...(alert.link ? { link: alert.link } : {}),
  };
}

/**
 * Alerts topic → Slack-compatible webhook. Order: validate (a message that is not an alert is logged as an error and
 * acknowledged: redelivering it cannot fix it), dedupe (claim the key for the window), rate limit (per channel; the
 * excess is dropped and logged, its claim given back so a later repeat can post), post. A failed post gives the claim
 * back and throws, so Pub/Sub redelivers it.
 */
export function createAlertHandler(deps: AlertHandlerDeps) {
  return async (event: CloudEvent<unknown>): Promise<AlertOutcome> => {
    const envelope = pubSubMessageEventData.safeParse(event.data);
    if (!envelope.success) {
      deps.log('ERROR', 'alertHandler: not a Pub/Sub message event', { eventId: event.id, type: event.type });
      return 'invalid';
    }
    const { message } = envelope.data;
    const parsed = parseAlert(Buffer.from(message.data ?? '', 'base64'));
    if (!parsed.ok) {
      deps.log('ERROR', 'alertHandler: refused an invalid alert message', {
        messageId: message.messageId,
        detail: parsed.detail,
      });
      return 'invalid';
    }
    const alert = parsed.alert;
    if (!(await deps.state.claim(alert.key, deps.dedupeWindowMs))) {
      deps.log('INFO', 'alertHandler: duplicate within the window, not posted', { key: alert.key });
      return 'duplicate';
    }
    const channel = channelOf(alert);
    if (!(await deps.state.take(channel, deps.rateLimit, deps.rateWindowMs))) {
      await deps.state.release(alert.key);
      deps.log('WARNING', 'alertHandler: rate limit reached, alert dropped', {
        key: alert.key,
        channel,
        limit: deps.rateLimit,
        windowMs: deps.rateWindowMs,
      });
      return 'rate_limited';
    }
    try {
      await deps.notifier.notify(notificationOf(alert));
    } catch (error) {
      await deps.state.release(alert.key);
      throw error;
    }
    deps.log('INFO', 'alertHandler: posted', { key: alert.key, channel, kind: alert.kind });
    return 'posted';
  };
}
