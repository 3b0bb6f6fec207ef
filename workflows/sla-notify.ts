import { proxyActivities } from '@temporalio/workflow';
import type { SlaActivities } from '../activities/sla';
import { notifyActivity } from './policies';

/** Announces a missed deadline once per pipeline and day (the run's own timer and the watchdog share it). */
export const { notifySlaMiss } = proxyActivities<SlaActivities>(notifyActivity);
