export { filterNodeSchema, filterSchema, formatFilter, positionOf, COMPARE_OPS } from './ast.ts';
export type { Filter, FilterNode, FilterValue, CompareOp, LeafNode } from './ast.ts';
export { parseFilter } from './parse.ts';
export { FilterCompiler, type MaskOptions } from './compile.ts';
export { matchesFilter } from './evaluate.ts';
