export type * from './types';
export { userAnalytics, tableByName, findTable } from './dataset';
export { SchemaError, type SchemaErrorType } from './errors';
export {
  assertIdentifier,
  checkDataset,
  columnOf,
  isIdentifier,
  KNOWN_PII_COLUMNS,
  type DatasetProblem,
  type DatasetRule,
} from './validate';
export { facts } from './facts';
export { dimensions } from './dimensions';
export { reporting, FUNNEL_STEPS, JOURNEY_STEPS, MIN_GROUP } from './reporting';
export { operations } from './operations';
export { checkRollups, rollups, rollupSql, stalenessInterval, type Rollup } from './rollups';
