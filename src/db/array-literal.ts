/**
 * A PostgreSQL array literal ('{"a","b",NULL}') from strings and numbers, for a parameter
 * cast to an array type. node-postgres would build the same text from a JS array, but
 * only when the query is sent, i.e. while the server waits: a bulk writer builds it
 * ahead, while the server is still busy with the statement before. (String concatenation,
 * not parts joined: V8 builds it as a rope, about 3× faster here.)
 */
export function arrayLiteral(values: readonly (string | number | null | undefined)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const v = values[i];
    if (v === null || v === undefined) out += 'NULL';
    else if (typeof v === 'number') out += String(v);
    else if (v.indexOf('"') < 0 && v.indexOf('\\') < 0) out += '"' + v + '"';
    else out += '"' + v.replace(ESCAPE, '\\$&') + '"';
  }
  return out + '}';
}

const ESCAPE = /["\\]/g;
