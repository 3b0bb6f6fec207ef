/**
 * The no-op step both Temporal workflows chain. It returns when it ran (epoch ms, sub-millisecond), so the
 * bench measures step boundaries where the step's own code runs, the same on regular and local activities (a
 * local activity leaves no ActivityTask events in the history, only one marker per workflow task).
 */
export function createChainActivities() {
  return {
    noopStep(): Promise<StepTimes> {
      const start = performance.timeOrigin + performance.now();
      return Promise.resolve({ start, end: performance.timeOrigin + performance.now() });
    },
  };
}

export interface StepTimes {
  /** Epoch ms when the step's code began. */
  start: number;
  /** Epoch ms when it returned. */
  end: number;
}

export type ChainActivities = ReturnType<typeof createChainActivities>;
