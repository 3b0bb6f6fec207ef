import { setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { Stage } from './search-attributes';

export type StageState = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

/** One stage row as the `stages` query returns it (and as the current details render it). */
export interface StageSnapshot {
  stage: string;
  state: StageState;
  /** Wall time of a finished (or failed) stage, ms. */
  ms?: number;
  note?: string;
  /**
   * The WorkflowTaskCompleted event id just before the stage's first activity: Reset to it re-runs the stage and
   * everything after it, with results of earlier stages taken from history (UI: Reset → this event id;
   * `analytics run reset --from-stage`).
   */
  resetEventId?: number;
}

interface StageRow {
  state: StageState;
  startedAt?: number;
  ms?: number;
  note?: string;
  resetEventId?: number;
}
export const RESET_HINT = '_Reset point: the event to pick in Reset to run a stage again._';
const ICON: Record<StageState, string> = { pending: '⏳', running: '▶️', done: '✅', failed: '❌', skipped: '⏭️' };

/**
 * Keeps the run's stage table as the workflow's current details (a markdown table in the UI's detail page) and the
 * `Stage` search attribute in step with it, so the UI list shows where every run is or where it stopped.
 */
export class StageProgress<S extends string> {
  private readonly rows = new Map<S, StageRow>();

  constructor(
    stages: readonly S[],
    private readonly title: string,
    /** A short line under the table. */
    private readonly footer = RESET_HINT,
  ) {
    for (const s of stages) this.rows.set(s, { state: 'pending' });
    this.render();
  }

  /**
   * Call in the same workflow task that schedules the stage's first activity (no await in between): the task being
   * processed now completes as event `historyLength + 1`, whose commands schedule that activity.
   */
  start(stage: S, note?: string): void {
    const resetEventId = workflowInfo().historyLength + 1;
    this.rows.set(stage, { state: 'running', startedAt: Date.now(), note, resetEventId });
    upsertSearchAttributes([{ key: Stage, value: stage }]);
    this.render();
  }

  finish(stage: S, note?: string): number {
    const row = this.rows.get(stage) ?? { state: 'pending' };
    const ms = row.startedAt === undefined ? 0 : Date.now() - row.startedAt;
    this.rows.set(stage, { ...row, state: 'done', ms, note: note ?? row.note });
    this.render();
    return ms;
  }

  fail(stage: S, note: string): void {
    const row = this.rows.get(stage) ?? { state: 'pending' };
    const ms = row.startedAt === undefined ? undefined : Date.now() - row.startedAt;
    this.rows.set(stage, { ...row, state: 'failed', ms, note });
    upsertSearchAttributes([{ key: Stage, value: `failed:${stage}` }]);
    this.render();
  }

  /** The stage that is running (the one a failure belongs to). */
  current(): S | undefined {
    for (const [stage, row] of this.rows) if (row.state === 'running') return stage;
    return undefined;
  }

  /** The stage marked failed, if any. */
  failed(): S | undefined {
    for (const [stage, row] of this.rows) if (row.state === 'failed') return stage;
    return undefined;
  }

  /** How long the running stage has been running, ms (0 when none runs). */
  runningMs(): number {
    const stage = this.current();
    const startedAt = stage === undefined ? undefined : this.rows.get(stage)?.startedAt;
    return startedAt === undefined ? 0 : Date.now() - startedAt;
  }

  durations(): Partial<Record<S, number>> {
    const out: Partial<Record<S, number>> = {};
    for (const [stage, row] of this.rows) if (row.ms !== undefined) out[stage] = row.ms;
    return out;
  }

  snapshot(): StageSnapshot[] {
    return [...this.rows].map(([stage, r]) => ({
      stage,
      state: r.state,
      ...(r.ms === undefined ? {} : { ms: r.ms }),
      ...(r.note === undefined ? {} : { note: r.note }),
      ...(r.resetEventId === undefined ? {} : { resetEventId: r.resetEventId }),
    }));
  }

  private render(): void {
    const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
    const lines = [...this.rows].map(
      ([stage, r]) =>
        `| ${stage} | ${ICON[r.state]} ${r.state} | ${r.ms === undefined ? '' : `${(r.ms / 1000).toFixed(1)} s`} | ${r.resetEventId ?? ''} | ${cell(r.note ?? '')} |`,
    );
    setCurrentDetails(
      [
        `**${this.title}**`,
        '',
        '| stage | status | time | reset point | notes |',
        '|---|---|---|---|---|',
        ...lines,
        '',
        this.footer,
        // The Web UI (2.42) sizes the details iframe to the body without its margins and cuts ~30 px off the bottom:
        // a last, empty paragraph takes the cut, so every row and the footer stay visible.
        '',
        '&nbsp;',
      ].join('\n'),
    );
  }
}
