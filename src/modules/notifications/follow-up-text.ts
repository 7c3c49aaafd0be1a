/**
 * When a follow-up is due, said the way the rep's own clock says it: "today at 14:30",
 * "tomorrow at 09:00", "yesterday at 17:00", else "on Mon 8 Dec at 09:00", in their time
 * zone (24-hour clock).
 */

const dayKey = (at: Date, timeZone: string) => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);

export function dueWhen(due: Date, now: Date, timeZone: string): string {
  const time = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(due);
  const day = dayKey(due, timeZone);
  // Calendar days in that zone: noon UTC of each local date, so DST days count as one.
  const diff = Math.round((Date.parse(`${day}T12:00:00Z`) - Date.parse(`${dayKey(now, timeZone)}T12:00:00Z`)) / 86_400_000);
  if (diff === 0) return `today at ${time}`;
  if (diff === 1) return `tomorrow at ${time}`;
  if (diff === -1) return `yesterday at ${time}`;
  const date = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', day: 'numeric', month: 'short' }).format(due).replace(',', '');
  return `on ${date} at ${time}`;
}

export function followUpText(input: { leadName: string; company: string | null; due: Date; now: Date; timeZone: string }): { title: string; body: string } {
  const when = dueWhen(input.due, input.now, input.timeZone);
  const who = input.company && input.company !== input.leadName ? `${input.leadName} (${input.company})` : input.leadName;
  const past = input.due.getTime() <= input.now.getTime();
  return {
    title: `Follow-up ${past ? 'was due' : 'due'} ${when}: ${who}`.slice(0, 300),
    body: `Time to get back to ${who}. Times are in ${input.timeZone}.`.slice(0, 2000),
  };
}
