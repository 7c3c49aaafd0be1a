/**
 * An organization's own columns (custom_fields) become features without configuration:
 * each field's type is inferred from its values across the training leads.
 */
export type CustomFieldKind = 'numeric' | 'boolean' | 'date' | 'category' | 'ignored';

const TRUE = new Set(['true', 'yes', 'y', 't', '1', 'on', 'ja', 'oui', 'si', 'sí']);
const FALSE = new Set(['false', 'no', 'n', 'f', '0', 'off', 'nein', 'non']);
const DATE_SHAPE = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$|^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}$/;

export function asNumber(value: unknown): number {
  if (typeof value === 'number') return Number.isFinite(value) ? value : Number.NaN;
  if (typeof value !== 'string') return Number.NaN;
  const s = value.trim().replace(/^[$€£]/, '').replace(/(?<=\d)[,_ ](?=\d{3}\b)/g, '');
  if (s === '' || !/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?%?$/i.test(s)) return Number.NaN;
  return Number(s.replace('%', ''));
}

export function asBoolean(value: unknown): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  const s = String(value).trim().toLowerCase();
  return TRUE.has(s) ? 1 : FALSE.has(s) ? 0 : Number.NaN;
}

export function asDate(value: unknown): number {
  if (typeof value !== 'string' || !DATE_SHAPE.test(value.trim())) return Number.NaN;
  const t = Date.parse(value.trim());
  return Number.isNaN(t) ? Number.NaN : t;
}

function present(value: unknown): boolean {
  return value !== null && value !== undefined && !(typeof value === 'string' && value.trim() === '');
}

/**
 * The field's kind from its values: numeric, boolean or date when (almost) every present
 * value reads as one; a category when values repeat; ignored when nearly every value is
 * different (ids, free text, emails) or the field is almost never filled.
 */
export function inferCustomFieldKind(values: readonly unknown[]): CustomFieldKind {
  const filled = values.filter(present);
  if (filled.length === 0 || filled.length < 0.01 * values.length) return 'ignored';
  const share = (test: (v: unknown) => boolean) => filled.filter(test).length / filled.length;
  if (share((v) => !Number.isNaN(asBoolean(v))) >= 0.98) return 'boolean';
  if (share((v) => !Number.isNaN(asNumber(v))) >= 0.95) return 'numeric';
  if (share((v) => !Number.isNaN(asDate(v))) >= 0.95) return 'date';
  if (filled.some((v) => typeof v === 'object')) return 'ignored';
  const distinct = new Set(filled.map((v) => String(v).trim().toLowerCase())).size;
  if (distinct > 50 && distinct > 0.5 * filled.length) return 'ignored';
  return 'category';
}
