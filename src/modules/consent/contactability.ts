import type { ConsentPurpose } from '../../db/schema.ts';

/** What decides whether a lead may be contacted or tracked: its flags and withdrawn consents. */
export interface ContactFlags {
  do_not_contact: boolean;
  unsubscribed: boolean;
  /** Purposes whose consent is withdrawn now (leads.consent_withdrawn). */
  consent_withdrawn: readonly string[];
}

/** The purposes that mean reaching out to the person. */
export const CONTACT_PURPOSES = ['marketing', 'sales_contact'] as const satisfies readonly ConsentPurpose[];
export type ContactPurpose = (typeof CONTACT_PURPOSES)[number];

/**
 * Whether the person may be contacted: never when do-not-contact or unsubscribed (both are
 * the person's word, whatever the channel), nor for a purpose whose consent they withdrew.
 * Without a purpose (an export, whose use is unknown) every contact purpose must be
 * unwithdrawn. E-mail sending, when it comes, asks this before each message.
 */
export function isContactable(lead: ContactFlags, purpose?: ContactPurpose): boolean {
  if (lead.do_not_contact || lead.unsubscribed) return false;
  const purposes: readonly string[] = purpose ? [purpose] : CONTACT_PURPOSES;
  return !purposes.some((p) => lead.consent_withdrawn.includes(p));
}

/** Whether the website tracker may record the person's visits. */
export function isTrackable(lead: ContactFlags): boolean {
  return !lead.do_not_contact && !lead.unsubscribed && !lead.consent_withdrawn.includes('tracking');
}
