/** Task queues served by workers/. Tests use their own queue names; production uses these. */
export const TASK_QUEUES = {
  etl: 'etl',
  gdpr: 'gdpr',
  stream: 'stream',
} as const;
export type TaskQueueName = keyof typeof TASK_QUEUES;
