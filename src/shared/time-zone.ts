/** The IANA name as Intl spells it ("europe/paris" → "Europe/Paris"), or null when the tz database has no such zone. */
export function canonicalTimeZone(zone: string | null | undefined): string | null {
  if (!zone || zone.length > 64) return null;
  try {
    return new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}
