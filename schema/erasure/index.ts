export type * from './types';
export { ERASURE_RULES, SOURCE_ERASURE, WAREHOUSE_ERASURE, NOT_PERSON_REFERENCES, erasureRule } from './rules';
export { pseudonymOf, PSEUDONYM } from './pseudonym';
export {
  rowPlan,
  caseExpression,
  paramValues,
  paramsUsed,
  quoteIdent,
  type Assignment,
  type ErasureDialect,
  type ParamName,
  type RowPlan,
} from './row-plan';
export { sourceStatements, sourceReferenceColumns, type SourceStatement } from './source';
export {
  warehouseStatements,
  warehouseBatchStatements,
  batchParamValues,
  warehouseRule,
  warehouseReferenceColumns,
  type WarehouseErasureStatements,
  type WarehouseBatchStatements,
  type BatchStatement,
  type Statement,
} from './statements';
export { searchUncovered, PERSON_REFERENCE_NAME, EMAIL_NAME, type SearchFinding, type ShapeOfTable } from './search';
