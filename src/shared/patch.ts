/**
 * The columns a PATCH body sets: undefined means "not sent", and jsonb fields are written
 * as JSON text (see db/schema.ts).
 */
export function patchValues(patch: Record<string, unknown>, jsonFields: readonly string[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    values[key] = jsonFields.includes(key) && value !== null ? JSON.stringify(value) : value;
  }
  return values;
}
