export { Catalog, BUILTIN_FIELDS, canonicalField, isBuiltinField } from './catalog.ts';
export type { BuiltinField } from './catalog.ts';
export type { FieldIndex } from './field-index.ts';
