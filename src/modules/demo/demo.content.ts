/**
 * Vocabulary of the demo organization: who its leads are, what they read and what they
 * write. The weights that turn these into outcomes live in demo.model.ts, documented in
 * docs/demo-data.md.
 */

export const DEMO_PRODUCT = 'Northwind Platform';
export const DEMO_COMPETITORS = ['Salesforce', 'HubSpot', 'Pipedrive', 'Zoho CRM', 'Close'] as const;
export interface Plan {
  name: string;
  monthly: number;
}
export interface MessageTemplate {
  subject: string;
  body: string;
}

export const DEMO_PLANS: readonly Plan[] = [
  { name: 'Starter', monthly: 49 },
  { name: 'Pro', monthly: 149 },
  { name: 'Enterprise', monthly: 499 },
];

export const SENIORITY_LEVELS = ['c_level', 'vp', 'director', 'manager', 'individual', 'student'] as const;
export type Seniority = (typeof SENIORITY_LEVELS)[number];

/** Title templates per seniority; `{f}` is the function (Sales, Marketing, …). */
export const TITLES: Record<Seniority, readonly string[]> = {
  c_level: ['Chief Executive Officer', 'CEO', 'Chief Revenue Officer', 'CFO', 'CTO', 'Chief {f} Officer', 'Founder & CEO', 'Co-founder'],
  vp: ['VP of {f}', 'Vice President, {f}', 'SVP {f}', 'VP {f}', 'Head of {f}'],
  director: ['Director of {f}', '{f} Director', 'Sr. Director, {f}', 'Director, {f} Operations'],
  manager: ['{f} Manager', 'Senior {f} Manager', '{f} Team Lead', '{f} Operations Manager'],
  individual: ['{f} Specialist', '{f} Analyst', 'Account Executive', '{f} Coordinator', 'Senior {f} Associate', '{f} Representative'],
  student: ['Student', 'Intern', '{f} Intern', 'MBA Candidate'],
};
export const FUNCTIONS = ['Sales', 'Marketing', 'Revenue', 'Operations', 'Finance', 'IT', 'Customer Success', 'Business Development'] as const;

export const INDUSTRIES = [
  'Software', 'Financial Services', 'Healthcare', 'Manufacturing', 'Retail', 'Logistics',
  'Education', 'Non-profit', 'Government', 'Media', 'Real Estate', 'Professional Services',
] as const;
export type Industry = (typeof INDUSTRIES)[number];

export const SIZE_BANDS = [
  { band: '1-10', min: 1, max: 10, weight: 14 },
  { band: '11-50', min: 11, max: 50, weight: 24 },
  { band: '51-200', min: 51, max: 200, weight: 24 },
  { band: '201-1000', min: 201, max: 1000, weight: 18 },
  { band: '1001-5000', min: 1001, max: 5000, weight: 12 },
  { band: '5001+', min: 5001, max: 60000, weight: 8 },
] as const;
export type SizeBand = (typeof SIZE_BANDS)[number]['band'];

export const SOURCES = [
  ['website', 18], ['organic_search', 14], ['paid_search', 14], ['referral', 8], ['linkedin', 12],
  ['webinar', 8], ['event', 7], ['partner', 5], ['cold_outreach', 10], ['purchased_list', 4],
] as const satisfies readonly (readonly [string, number])[];
export type Source = (typeof SOURCES)[number][0];

export const CAMPAIGNS: Record<Source, readonly (string | null)[]> = {
  website: [null, 'Homepage CTA'],
  organic_search: [null, 'SEO - Forecasting Guide'],
  paid_search: ['Search - CRM Alternatives', 'Search - Brand', 'Search - Lead Scoring'],
  referral: ['Customer Referral Program', null],
  linkedin: ['LinkedIn ABM Q3', 'LinkedIn Lead Gen - Ebook'],
  webinar: ['Webinar: AI Forecasting 101', 'Webinar: Pipeline Hygiene'],
  event: ['SaaStr Annual 2026', 'Web Summit 2026', 'Regional Roadshow'],
  partner: ['Partner Co-marketing', 'Reseller Program'],
  cold_outreach: ['Outbound Sequence A', 'Outbound Sequence B'],
  purchased_list: ['Trade List Import'],
};

export const COUNTRIES = [
  ['US', 'United States', 44], ['GB', 'United Kingdom', 11], ['DE', 'Germany', 8], ['CA', 'Canada', 7],
  ['FR', 'France', 6], ['IN', 'India', 6], ['AU', 'Australia', 5], ['NL', 'Netherlands', 4],
  ['BR', 'Brazil', 4], ['ES', 'Spain', 3], ['SE', 'Sweden', 2],
] as const;

export const FREE_EMAIL_DOMAINS = ['gmail.com', 'yahoo.com', 'outlook.com', 'hotmail.com', 'icloud.com', 'proton.me'] as const;

export const PAGES = {
  home: { path: '/', title: 'Northwind Platform: the revenue workspace' },
  pricing: { path: '/pricing', title: 'Pricing | Northwind Platform' },
  demo: { path: '/demo', title: 'Book a demo | Northwind Platform' },
  contact: { path: '/contact', title: 'Contact sales | Northwind Platform' },
  features: { path: '/features', title: 'Features | Northwind Platform' },
  integrations: { path: '/integrations', title: 'Integrations | Northwind Platform' },
  security: { path: '/security', title: 'Security & compliance | Northwind Platform' },
  careers: { path: '/careers', title: 'Careers at Northwind' },
} as const;

export const BLOG_POSTS = [
  ['/blog/lead-scoring-explained', 'Lead scoring, explained'],
  ['/blog/pipeline-forecasting', 'How to forecast a pipeline you can plan on'],
  ['/blog/crm-migration-checklist', 'The CRM migration checklist'],
  ['/blog/sales-email-templates', '12 sales email templates that get replies'],
  ['/blog/gdpr-for-sales-teams', 'GDPR for sales teams'],
] as const;

export const CASE_STUDIES = [
  ['/customers/fintech-scaleup', 'How a fintech scale-up doubled its win rate'],
  ['/customers/healthcare-network', 'A healthcare network forecasts within 5%'],
  ['/customers/logistics-leader', 'Logistics leader cuts response time by 60%'],
] as const;

export const ASSETS = [
  ['ebook', 'The State of AI in Sales 2026 (ebook)'],
  ['whitepaper', 'Forecasting Accuracy Benchmark (whitepaper)'],
  ['roi', 'ROI calculator'],
] as const;

export const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
] as const;

export const REFERRERS = ['https://www.google.com/', 'https://www.linkedin.com/', 'https://www.bing.com/', '', 'https://news.ycombinator.com/', 'https://www.g2.com/'] as const;

// Message text. Placeholders: {first} lead's first name, {rep} rep's first name,
// {company}, {competitor}, {price}, {date}, {weekday}, {plan}, {seats}.

export const OUTBOUND_EMAILS: readonly MessageTemplate[] = [
  { subject: 'Quick question about {company}\'s pipeline', body: 'Hi {first},\n\nI noticed {company} has been growing its sales team. Teams your size usually lose deals because follow-ups slip. Northwind Platform scores every lead and tells reps who to call next.\n\nWould you have 20 minutes on {weekday} to see how it works?\n\nBest,\n{rep}' },
  { subject: 'Following up', body: 'Hi {first},\n\nJust following up on my note from last week. Happy to share how similar teams cut their response time in half. Does {date} work for a short call?\n\nThanks,\n{rep}' },
  { subject: 'Pricing for {company}', body: 'Hi {first},\n\nAs promised, here is the pricing we discussed: the {plan} plan for {seats} seats comes to {price} per year, including onboarding. The quote is valid until {date}.\n\nLet me know if you have any questions.\n\n{rep}' },
  { subject: 'Proposal: Northwind Platform for {company}', body: 'Hi {first},\n\nAttached is the proposal for {company}. It covers the {plan} plan, data migration from your current CRM and a 30-day pilot. Total: {price} per year.\n\nCould we review it together on {weekday}?\n\nBest regards,\n{rep}' },
  { subject: 'Demo recording and next steps', body: 'Hi {first},\n\nThanks for your time today. Here is the recording of the demo and the security documentation your IT team asked for. Next step: a technical call with your admin on {date}.\n\nCheers,\n{rep}' },
  { subject: 'Checking in', body: 'Hi {first},\n\nI wanted to check in and see whether evaluating a new CRM is still a priority for {company} this quarter. If the timing is off, just let me know and I will reach out later.\n\n{rep}' },
];

export const INBOUND_POSITIVE: readonly MessageTemplate[] = [
  { subject: 'Re: Quick question', body: 'Hi {rep},\n\nThanks for reaching out, this is great timing. We are actively looking to replace our current setup and would love to see a demo. {weekday} afternoon works well for me.\n\nBest,\n{first}' },
  { subject: 'Re: Pricing for {company}', body: 'Hi {rep},\n\nThanks, the pricing looks reasonable. Our budget is approved for this quarter and we would like to move forward with the {plan} plan for {seats} users. Can you send over the contract by {date}?\n\n{first}' },
  { subject: 'Re: Proposal', body: 'Hi {rep},\n\nWe reviewed the proposal internally and everyone is excited. Legal needs to look at the DPA, but we are aiming to sign before {date}. What would the timeline be for onboarding?\n\nThanks!\n{first}' },
  { subject: 'Demo request', body: 'Hello,\n\nWe are a team of {seats} at {company} and we are currently comparing {competitor} with Northwind Platform. Your lead scoring looks really impressive. Could we schedule a demo next week?\n\nRegards,\n{first}' },
  { subject: 'Re: Demo recording and next steps', body: 'Hi {rep},\n\nThe demo was excellent, the team loved the forecasting view. We definitely want to start the pilot. Please send the next steps.\n\nBest,\n{first}' },
];

export const INBOUND_NEUTRAL: readonly MessageTemplate[] = [
  { subject: 'Re: Following up', body: 'Hi {rep},\n\nThanks for the follow-up. Could you send me more information about the integrations you support? We use a lot of spreadsheets today.\n\n{first}' },
  { subject: 'Automatic reply: Following up', body: 'Thank you for your email. I am out of the office until {date} with limited access to email. For urgent matters please contact our main office.\n\n{first}' },
  { subject: 'Question about security', body: 'Hello,\n\nDo you offer SSO and is customer data stored in the EU? Our compliance team will ask about SOC 2 as well.\n\nThanks,\n{first}' },
  { subject: 'Re: Checking in', body: 'Hi {rep},\n\nWe are still evaluating options. I will get back to you after our planning meeting on {date}.\n\n{first}' },
];

export const INBOUND_NEGATIVE: readonly MessageTemplate[] = [
  { subject: 'Re: Pricing for {company}', body: 'Hi {rep},\n\nHonestly {price} is way too expensive for us. {competitor} quoted us much less and we do not really see the difference. We will probably pass.\n\n{first}' },
  { subject: 'Re: Checking in', body: 'Hi {rep},\n\nWe decided to go with {competitor}. Thanks for your time, but please remove me from your list.\n\n{first}' },
  { subject: 'Re: Quick question', body: 'Not interested. Please stop emailing me.\n\n{first}' },
  { subject: 'Problems with the trial', body: 'Hi {rep},\n\nI am frustrated: the import failed twice and nobody from support answered. This is not a great first impression and I am not sure we can continue.\n\n{first}' },
];

export const CALL_NOTES = {
  positive: [
    'Great call with {first}. They are unhappy with {competitor} and want a proposal for {seats} seats by {date}. Budget confirmed around {price}.',
    'Spoke with {first}: strong interest, asked about onboarding timeline and SSO. Decision maker joins next call on {weekday}.',
  ],
  neutral: [
    'Left a voicemail for {first}. Will try again on {weekday}.',
    'Short call with {first}; they want to see a case study first. Sent the healthcare case study.',
  ],
  negative: [
    'Call with {first}: no budget this year, they renewed with {competitor}. Revisit in Q3.',
    '{first} was annoyed by the outreach and asked not to be called again.',
  ],
} as const;

export const ACTIVITY_OUTCOMES: Record<string, readonly string[]> = {
  call: ['connected', 'left_voicemail', 'no_answer', 'meeting_booked', 'not_interested'],
  email: ['sent', 'replied', 'bounced'],
  meeting: ['held', 'rescheduled', 'no_show'],
  demo: ['completed', 'rescheduled'],
  proposal: ['sent', 'accepted', 'rejected'],
  follow_up: ['done'],
  note: ['logged'],
  task: ['done', 'open'],
  social_interaction: ['connected', 'message_sent'],
};

export const TEAMS = [
  { key: 'enterprise', name: 'Enterprise', description: 'Companies with more than 1,000 employees' },
  { key: 'mid_market', name: 'Mid-Market', description: 'Companies with 51 to 1,000 employees' },
  { key: 'smb', name: 'SMB', description: 'Companies with up to 50 employees' },
] as const;
export type TeamKey = (typeof TEAMS)[number]['key'];
