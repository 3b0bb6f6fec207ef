import { defineQuery } from '@temporalio/workflow';
import type { StageSnapshot } from './progress';

/** The stage table of a pipeline run (what its current details show), with each stage's reset point. */
export const stagesQuery = defineQuery<StageSnapshot[]>('stages');
