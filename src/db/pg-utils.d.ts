// node-postgres' parameter conversion (the text it sends for a value), which it exports
// without types.
declare module 'pg/lib/utils.js' {
  export function prepareValue(value: unknown): unknown;
}
