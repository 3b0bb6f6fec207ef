import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { Stage } from './search-attributes';

type StageState = 'pending' | 'running' | 'done' | 'failed' | 'skipped';
interface StageRow {
  state: StageState;
  startedAt?: number;
  ms?: number;
  note?: string;
}
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
  ) {
    for (const s of stages) this.rows.set(s, { state: 'pending' });
    this.render();
  }

  start(stage: S, note?: string): void {
    this.rows.set(stage, { state: 'running', startedAt: Date.now(), note });
    upsertSearchAttributes([{ key: Stage, value: stage }]);
    this.render();
  }

  note(stage: S, note: string): void {
    const row = this.rows.get(stage);
    if (row) row.note = note;
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

  durations(): Partial<Record<S, number>> {
    const out: Partial<Record<S, number>> = {};
    for (const [stage, row] of this.rows) if (row.ms !== undefined) out[stage] = row.ms;
    return out;
  }

  private render(): void {
    const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
    const lines = [...this.rows].map(
      ([stage, r]) =>
        `| ${stage} | ${ICON[r.state]} ${r.state} | ${r.ms === undefined ? '' : `${(r.ms / 1000).toFixed(1)} s`} | ${cell(r.note ?? '')} |`,
    );
    setCurrentDetails(
      [`**${this.title}**`, '', '| stage | status | time | notes |', '|---|---|---|---|', ...lines].join('\n'),
    );
  }
}
