import { z } from 'zod';
import { DateTimeInput } from '../../shared/schemas.ts';
import { USER_ROLES } from '../../db/schema.ts';

export const Email = z.string().trim().toLowerCase().max(255).email({ message: 'must be an email address like ada@example.com' });
export const Password = z.string().min(10, { message: 'must be at least 10 characters' }).max(256);
export const Uuid = z.string().uuid({ message: 'must be a UUID like 0193609e-3000-75cb-8630-c62afa0e2a4d' });

export const SignupBody = z.strictObject({
  organization_name: z.string().trim().min(1).max(255).describe('Name of the new organization'),
  full_name: z.string().trim().min(1).max(255),
  email: Email.describe("The first admin's email: their login"),
  password: Password,
});

export const LoginBody = z.strictObject({
  email: z.string().trim().max(255).min(1),
  password: z.string().min(1).max(256),
});

export const PasswordChangeBody = z.strictObject({
  current_password: z.string().min(1).max(256).describe('The password in use now'),
  new_password: Password.describe('At least 10 characters, and not one of the passwords leaked in data breaches'),
});

export const PasswordChanged = z.object({ other_sessions_ended: z.number().int().describe('Sessions of yours elsewhere that this change signed out') });

export const SessionCreated = z.object({
  csrf_token: z.string().describe('Send as the x-csrf-token header with every cookie-authenticated write'),
  expires_at: z.string().datetime(),
});

export const SignupCreated = SessionCreated.extend({ user_id: Uuid, organization_id: Uuid });

export const Me = z.object({
  user: z.object({ id: Uuid, email: z.string(), full_name: z.string(), role: z.enum(USER_ROLES), team_id: Uuid.nullable(), avatar_url: z.string().nullable(), time_zone: z.string().nullable() }).nullable(),
  api_key_id: Uuid.nullable(),
  role: z.enum(USER_ROLES),
  organization: z.object({ id: Uuid, name: z.string(), domain: z.string().nullable(), industry: z.string().nullable(), size: z.string().nullable(), subscription_tier: z.string() }),
  permissions: z.array(z.string()),
});

export const SessionInfo = z.object({
  id: Uuid,
  created_at: z.date(),
  last_seen_at: z.date(),
  expires_at: z.date(),
  user_agent: z.string().nullable(),
  ip_address: z.string().nullable(),
  current: z.boolean(),
});

export const IdParams = z.strictObject({ id: Uuid });

export const ApiKeyBody = z.strictObject({
  name: z.string().trim().min(1).max(255),
  role: z.enum(USER_ROLES).describe('What the key may do: the permissions of this role'),
  expires_at: DateTimeInput.optional(),
});

export const ApiKey = z.object({
  id: Uuid,
  name: z.string(),
  prefix: z.string(),
  role: z.enum(USER_ROLES),
  created_at: z.date(),
  expires_at: z.date().nullable(),
  last_used_at: z.date().nullable(),
  revoked_at: z.date().nullable(),
});

export const ApiKeyCreated = ApiKey.extend({ key: z.string().describe('The secret. Shown once: store it now.') });
