/**
 * Names for the API's payloads, all derived from the generated schema.d.ts (which comes from
 * the server's zod schemas through its OpenAPI document): nothing here is typed by hand.
 */
import type { components, paths } from './schema';

export type { paths, components };
export type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';

/** Paths that have an operation for this method. */
export type PathsWith<M extends Method> = {
  [P in keyof paths]: paths[P] extends { [K in M]: { responses: unknown } } ? P : never;
}[keyof paths];

type Operation<P extends keyof paths, M extends Method> = paths[P] extends { [K in M]: infer O } ? O : never;
type Json<R> = R extends { content: { 'application/json': infer J } } ? J : undefined;

export type ApiResponse<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { responses: infer R }
    ? R extends { 200: infer X }
      ? Json<X>
      : R extends { 201: infer X }
        ? Json<X>
        : R extends { 202: infer X }
          ? Json<X>
          : undefined
    : never;

export type ApiBody<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;

export type ApiQuery<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

export type ApiPathParams<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { parameters: { path: infer X } } ? X : never;

export type Schemas = components['schemas'];

// The payloads the screens use most, by name.
export type Me = ApiResponse<'/api/v1/me', 'get'>;
export type Role = Me['role'];
export type Session = ApiResponse<'/api/v1/auth/sessions', 'get'>['data'][number];
export type Lead = ApiResponse<'/api/v1/leads', 'get'>['data'][number];
/** One lead as its page gets it: with what the signed-in user may do to it. */
export type LeadDetail = ApiResponse<'/api/v1/leads/{id}', 'get'>;
export type LeadPage = ApiResponse<'/api/v1/leads', 'get'>;
export type LeadListQuery = ApiQuery<'/api/v1/leads', 'get'>;
export type LeadStatus = Lead['status'];
export type User = ApiResponse<'/api/v1/users', 'get'>['data'][number];
export type Team = ApiResponse<'/api/v1/teams', 'get'>['data'][number];
export type Organization = ApiResponse<'/api/v1/organization', 'get'>;

/** The organization's latest forecasts by series, their history and accuracy (GET /api/v1/forecasts). */
export type Forecasts = ApiResponse<'/api/v1/forecasts', 'get'>;
export type ForecastType = keyof Forecasts['series'];
export type ForecastSeries = Forecasts['series'][ForecastType];
export type ForecastUnit = ForecastSeries['unit'];
export type ForecastPoint = ForecastSeries['points'][number];
export type ForecastKeyDriver = ForecastPoint['key_drivers'][number];
export type ForecastScenarios = ForecastPoint['scenarios'];
