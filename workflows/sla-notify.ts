import { proxyActivities } from '@temporalio/workflow';
import type { SlaActivities } from '../activities/sla';

/** A notification is worth a few tries, never the run that sends it. */
export const notifyPolicy = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 5 },
} as const;

/** Announces a missed deadline once per pipeline and day (the run's own timer and the watchdog share it). */
export const { notifySlaMiss } = proxyActivities<SlaActivities>(notifyPolicy);
