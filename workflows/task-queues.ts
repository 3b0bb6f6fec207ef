/** Task queues served by workers/. Tests use their own queue names; production uses these. */
export const TASK_QUEUES = {
  etl: 'etl',
  gdpr: 'gdpr',
  stream: 'stream',
} as const;
export type TaskQueueName = keyof typeof TASK_QUEUES;

/** The queue names with a prefix (TASK_QUEUE_PREFIX, `analytics worker --task-queue-prefix`). */
export function prefixedTaskQueues(prefix: string): Record<TaskQueueName, string> {
  return {
    etl: `${prefix}${TASK_QUEUES.etl}`,
    gdpr: `${prefix}${TASK_QUEUES.gdpr}`,
    stream: `${prefix}${TASK_QUEUES.stream}`,
  };
}
