/** The fields a lead can be called by (a lead, a summary of one, a search hit). */
export interface NamedLead {
  first_name?: string | null;
  last_name?: string | null;
  email?: string | null;
  company?: string | null;
}

/**
 * What to call a lead wherever it is shown: its full name, else its email, else its company,
 * else "Unnamed lead". Leads arrive with only an email or only a company (POST /leads,
 * imports); a blank name would leave an empty, unclickable link or card.
 */
export function leadDisplayName(lead: NamedLead): string {
  const full = [lead.first_name, lead.last_name].map((s) => s?.trim()).filter(Boolean).join(' ');
  return full || lead.email?.trim() || lead.company?.trim() || 'Unnamed lead';
}
