import { z } from 'zod';
import { ORGANIZATION_SIZES, USER_ROLES } from '../../db/schema.ts';
import { TimeZoneName } from '../../shared/schemas.ts';
import { Email, Password, Uuid } from '../auth/auth.schemas.ts';

export const Organization = z.object({
  id: Uuid, name: z.string(), domain: z.string().nullable(), industry: z.string().nullable(), size: z.enum(ORGANIZATION_SIZES).nullable(),
  settings: z.record(z.string(), z.unknown()), subscription_tier: z.string(), created_at: z.date(), updated_at: z.date(),
});

export const OrganizationPatch = z
  .strictObject({
    name: z.string().trim().min(1).max(255),
    domain: z.string().trim().max(255).nullable(),
    industry: z.string().trim().max(100).nullable(),
    size: z.enum(ORGANIZATION_SIZES).nullable(),
    settings: z
      .looseObject({
        // Validated because it decides whether message text leaves the machine.
        ai: z
          .strictObject({
            llm_enabled: z.boolean().describe('Analyse this organization’s conversations with the configured LLM provider (LEADAI_LLM_*) instead of only the local analyser; message text is sent to the provider. No effect while no provider is configured.'),
          })
          .partial()
          .optional(),
        // Validated because they decide what the website tracker records about visitors.
        tracking: z
          .strictObject({
            truncate_ip: z.boolean().describe('Store visitors’ addresses truncated (IPv4 /24, IPv6 /48) instead of in full.'),
            honor_dnt: z.boolean().describe('Record nothing from a browser that sends Do-Not-Track (`DNT: 1`). Default false: DNT has no legal force and many browsers send it by default.'),
            honor_gpc: z.boolean().describe('Record nothing from a browser that sends Global Privacy Control (`Sec-GPC: 1`), a valid opt-out under the CCPA. Default true.'),
          })
          .partial()
          .optional(),
      })
      .describe('Merged key by key into the current settings (one level deep: { tracking: { honor_dnt: true } } keeps tracking.truncate_ip)')
      .meta({ example: { ai: { llm_enabled: true }, tracking: { honor_gpc: true } } }),
  })
  .partial()
  .refine((v) => Object.keys(v).length > 0, { message: 'send at least one field to change' });

export const User = z.object({
  id: Uuid, email: z.string(), full_name: z.string(), avatar_url: z.string().nullable(), role: z.enum(USER_ROLES), team_id: Uuid.nullable(),
  is_active: z.boolean(), deactivated_at: z.date().nullable(), created_at: z.date(), last_active_at: z.date().nullable(),
  time_zone: z.string().nullable().describe('IANA time zone for reminders ("due today at 14:30"); null: the organization’s, else UTC'),
});

export const UserPatch = z
  .strictObject({
    role: z.enum(USER_ROLES), team_id: Uuid.nullable(), full_name: z.string().trim().min(1).max(255), is_active: z.boolean().describe('false deactivates: sessions and API keys stop at once'),
    time_zone: TimeZoneName.nullable().describe('IANA time zone, e.g. Europe/Paris (anyone may set their own; null: the organization’s)'),
  })
  .partial()
  .refine((v) => Object.keys(v).length > 0, { message: 'send at least one field to change' });

export const InvitationBody = z.strictObject({ email: Email, role: z.enum(USER_ROLES), team_id: Uuid.nullable().optional() });
export const Invitation = z.object({
  id: Uuid, email: z.string(), role: z.enum(USER_ROLES), team_id: Uuid.nullable(), created_at: z.date(), expires_at: z.date(), accepted_at: z.date().nullable(), revoked_at: z.date().nullable(),
});
export const InvitationCreated = Invitation.extend({ token: z.string().describe('Shown once'), accept_path: z.string() });
export const AcceptInvitationBody = z.strictObject({ token: z.string().min(10).max(200), full_name: z.string().trim().min(1).max(255), password: Password });

export const Team = z.object({ id: Uuid, name: z.string(), description: z.string().nullable(), manager_id: Uuid.nullable(), created_at: z.date(), updated_at: z.date() });
export const TeamWithMembers = Team.extend({ members: z.number().nullable() });
export const TeamBody = z.strictObject({ name: z.string().trim().min(1).max(255), description: z.string().max(2000).nullable().optional(), manager_id: Uuid.nullable().optional() });
export const TeamPatch = TeamBody.partial().refine((v) => Object.keys(v).length > 0, { message: 'send at least one field to change' });
