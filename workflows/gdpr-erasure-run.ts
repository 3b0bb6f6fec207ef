import { uuid4 } from '@temporalio/workflow';
import { failureLine } from './failures';
import {
  ERASURE_STEPS,
  type ErasureCertificate,
  type ErasureState,
  type ErasureStatus,
  type ErasureStep,
  type ErasureStepName,
  type GdprErasureInput,
} from './gdpr-contract';
import { StageProgress } from './progress';

export const GDPR_PIPELINE = 'gdpr-erasure';

/**
 * The state of one erasure run, as the `status` and `certificate` queries answer it and the current details show it:
 * the status document, the stage table, what the handlers received (a cancel, the operator's retry). Pure
 * bookkeeping: it schedules nothing but the `Stage` search attribute the stage table keeps in step.
 */
export class ErasureRun {
  readonly status: ErasureStatus;
  readonly progress: StageProgress<ErasureStepName>;
  certificate: ErasureCertificate | undefined;
  /** Set by the `cancel` update (accepted only before the point of no return). */
  cancelRequested: { reason?: string } | undefined;
  /** Set by the operator's `retry` signal, consumed by the step waiting for it. */
  retryRequested = false;

  constructor(input: GdprErasureInput) {
    this.status = {
      requestId: input.requestId,
      tenantId: input.tenantId,
      state: 'running',
      stage: 'validate',
      pointOfNoReturnPassed: false,
      requestedAt: input.requestedAt,
      updatedAt: now(),
      steps: ERASURE_STEPS.map((name) => ({ name, status: 'pending', counts: {} })),
      // Random, never derived from the user id: unlinkable by construction; fixed in history, so stable on replay.
      subjectToken: `anon_${uuid4().replace(/-/g, '')}`,
    };
    this.progress = new StageProgress<ErasureStepName>(ERASURE_STEPS, `${GDPR_PIPELINE} ${input.requestId}`);
  }

  step(name: ErasureStepName): ErasureStep {
    return this.status.steps.find((s) => s.name === name)!;
  }

  /** The step marked running, if any (the one a failure belongs to). */
  running(): ErasureStep | undefined {
    return this.status.steps.find((s) => s.status === 'running');
  }

  finished(): boolean {
    return this.status.state !== 'running' && this.status.state !== 'awaiting_operator';
  }

  begin(name: ErasureStepName, note?: string): void {
    const s = this.step(name);
    s.status = 'running';
    s.startedAt ??= now();
    s.error = undefined;
    this.status.stage = name;
    this.status.updatedAt = now();
    this.progress.start(name, note);
  }

  complete(name: ErasureStepName, counts: Record<string, number>): void {
    const s = this.step(name);
    s.status = 'completed';
    s.finishedAt = now();
    s.counts = counts;
    this.status.updatedAt = s.finishedAt;
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    this.progress.finish(name, `${total} affected`);
  }

  fail(name: ErasureStepName, err: unknown): void {
    const s = this.step(name);
    s.status = 'failed';
    s.error = failureLine(err);
    this.status.updatedAt = now();
    this.progress.fail(name, s.error.slice(0, 200));
  }

  /** The request ends before the point of no return; steps never reached are skipped. */
  close(state: Extract<ErasureState, 'rejected' | 'cancelled'>, reason: string): void {
    this.status.state = state;
    this.status.reason = reason;
    this.status.completedAt = now();
    this.status.updatedAt = this.status.completedAt;
    for (const s of this.status.steps) if (s.status === 'pending') s.status = 'skipped';
  }

  /** Erased, verified and certified. */
  completed(certificate: ErasureCertificate): void {
    this.certificate = certificate;
    this.status.state = 'completed';
    this.status.completedAt = now();
    this.status.updatedAt = this.status.completedAt;
  }
}

/** Workflow time (deterministic: the time of the current workflow task). */
function now(): string {
  return new Date(Date.now()).toISOString();
}
