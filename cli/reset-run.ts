import { randomUUID } from 'node:crypto';
import { type Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { type Config } from '../config';

const EventType = temporal.api.enums.v1.EventType;

type EventId = NonNullable<temporal.api.history.v1.IHistoryEvent['eventId']>;

export interface StageResetPoint {
  stage: string;
  /** The WorkflowTaskCompleted event whose commands started the stage (its first activity). */
  eventId: number;
  /** The same id as the API takes it (int64). */
  rawEventId: EventId;
}

/** Reads a search attribute payload (json/plain; search attributes never go through the payload codec). */
function keyword(payload: temporal.api.common.v1.IPayload | null | undefined): unknown {
  if (!payload?.data) return undefined;
  try {
    return JSON.parse(Buffer.from(payload.data).toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The reset point of every stage a run started, in order: each stage sets `Stage=<stage>` in the same workflow task
 * that schedules its first activity, so that task's WorkflowTaskCompleted event is where a reset re-runs the stage.
 */
export function stageResetPoints(events: temporal.api.history.v1.IHistoryEvent[]): StageResetPoint[] {
  const out: StageResetPoint[] = [];
  for (const e of events) {
    if (e.eventType !== EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES) continue;
    const attrs = e.upsertWorkflowSearchAttributesEventAttributes;
    const stage = keyword(attrs?.searchAttributes?.indexedFields?.Stage);
    if (typeof stage !== 'string' || stage.startsWith('failed:') || out.some((p) => p.stage === stage)) continue;
    const raw = attrs?.workflowTaskCompletedEventId;
    if (raw === null || raw === undefined) continue;
    out.push({ stage, eventId: Number(raw), rawEventId: raw });
  }
  return out;
}

export interface ResetOutcome {
  workflowId: string;
  previousRunId: string;
  runId: string;
  stage: string;
  eventId: number;
}

/**
 * Resets a run to the point before `stage` (UI: Reset → that event id): the new run takes the earlier stages' results
 * from history and runs `stage` and everything after it again. Resetting to the last workflow task instead would
 * replay the recorded failure.
 */
export async function resetToStage(
  client: Client,
  config: Config,
  request: { workflowId: string; runId?: string; stage: string; reason: string },
): Promise<ResetOutcome> {
  const handle = client.workflow.getHandle(request.workflowId, request.runId);
  const description = await handle.describe();
  const runId = description.runId;
  const history = await client.workflow.getHandle(request.workflowId, runId).fetchHistory();
  const points = stageResetPoints(history.events ?? []);
  const point = points.find((p) => p.stage === request.stage);
  if (!point) {
    throw new Error(
      `run ${runId} of ${request.workflowId} never started stage '${request.stage}'` +
        (points.length ? ` (stages it started: ${points.map((p) => p.stage).join(', ')})` : ' (it started no stage)'),
    );
  }
  const { runId: newRunId } = await client.workflowService.resetWorkflowExecution({
    namespace: config.temporal.namespace,
    workflowExecution: { workflowId: request.workflowId, runId },
    reason: request.reason,
    workflowTaskFinishEventId: point.rawEventId,
    requestId: randomUUID(),
  });
  return {
    workflowId: request.workflowId,
    previousRunId: runId,
    runId: newRunId,
    stage: request.stage,
    eventId: point.eventId,
  };
}
