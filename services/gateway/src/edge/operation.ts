import { applyDecorators, HttpCode, RequestMapping, RequestMethod, SetMetadata, Sse } from '@nestjs/common';
import type { ErrorCode } from '@roomledger/contracts';
import type { Caller } from '@roomledger/service-runtime';
import type { z } from 'zod';

/**
 * One public REST operation, declared once: Nest routes it, the edge interceptor authenticates,
 * rate-limits, validates and applies Idempotency-Key and If-Match from it, and the OpenAPI document is
 * generated from the same object. Paths are written the OpenAPI way (`/v1/bookings/{bookingId}`).
 */
export interface Operation<
  P extends z.ZodObject = z.ZodObject,
  Q extends z.ZodObject = z.ZodObject,
  B extends z.ZodType = z.ZodType,
> {
  id: string;
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** `public`: no token; `member`: any signed-in user; `admin`: the admin role. */
  access: 'public' | 'member' | 'admin';
  /** `auth` routes are limited per IP address more tightly (password guessing). */
  rateLimit?: 'auth';
  params?: P;
  query?: Q;
  body?: B;
  /** The success response. */
  success: {
    status: number;
    description: string;
    schema?: z.ZodType;
    example?: unknown;
    etag?: boolean;
    /** Default `application/json`; e.g. `text/calendar` for a feed, `text/event-stream` for a live stream. */
    contentType?: string;
  };
  /** A live stream (Server-Sent Events): the handler returns an Observable; no Idempotency-Key, no reply object. */
  stream?: boolean;
  /** Accepts `If-Match` with the resource's ETag. */
  ifMatch?: boolean;
  /** The problem codes this operation answers with besides the ones every operation can give. */
  errors: readonly ErrorCode[];
  requestExample?: unknown;
}

export type AnyOperation = Operation<z.ZodObject, z.ZodObject, z.ZodType>;

/** Declares an operation, keeping the schemas' types for the handler. */
export function operation<P extends z.ZodObject, Q extends z.ZodObject, B extends z.ZodType>(
  spec: Operation<P, Q, B>,
): Operation<P, Q, B> {
  return spec;
}

/** What a handler receives: validated input, who is asking, and the request's idempotency and version. */
type Parsed<S> = S extends z.ZodType ? z.output<S> : never;

export interface EdgeRequest<O extends AnyOperation = AnyOperation> {
  params: Parsed<NonNullable<O['params']>>;
  query: Parsed<NonNullable<O['query']>>;
  body: Parsed<NonNullable<O['body']>>;
  caller?: Caller;
  /** From Idempotency-Key: the decision's command id. */
  commandId?: string;
  /** From If-Match: the version the caller expects; 0 when absent. */
  expectedVersion: number;
  /** The client's address, for per-IP limits and logs. */
  ip: string;
  /** `Last-Event-ID` of a reconnecting event-stream client. */
  lastEventId?: string;
}

/** A handler's answer when it sets more than the body: the resource's version becomes its ETag. */
export interface EdgeReply {
  readonly body: unknown;
  readonly version?: number | string;
  readonly location?: string;
}

export const reply = (
  body: unknown,
  extra: { version?: number | string; location?: string } = {},
): EdgeReply => Object.assign(Object.create(REPLY) as object, { body, ...extra }) as EdgeReply;
const REPLY = {};
export const isReply = (value: unknown): value is EdgeReply =>
  typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === REPLY;

export const OPERATION = Symbol('roomledger:operation');

/** Routes a controller method for `operation` (OpenAPI `{param}` becomes Nest's `:param`). */
export function Route(spec: AnyOperation): MethodDecorator {
  const method = {
    get: RequestMethod.GET,
    post: RequestMethod.POST,
    put: RequestMethod.PUT,
    patch: RequestMethod.PATCH,
    delete: RequestMethod.DELETE,
  }[spec.method];
  const path = spec.path.replace(/\{(\w+)\}/g, ':$1');
  if (spec.stream) return applyDecorators(Sse(path), SetMetadata(OPERATION, spec));
  return applyDecorators(
    RequestMapping({ path, method }),
    HttpCode(spec.success.status),
    SetMetadata(OPERATION, spec),
  );
}

/** Collects the operations of controllers decorated with {@link Route}, for the OpenAPI document. */
export function operationsOf(controllers: readonly (new (...args: never[]) => unknown)[]): AnyOperation[] {
  return controllers.flatMap((controller) =>
    Object.getOwnPropertyNames(controller.prototype)
      .map((name) => Reflect.getMetadata(OPERATION, (controller.prototype as Record<string, object>)[name]))
      .filter((spec): spec is AnyOperation => spec !== undefined),
  );
}

export const API_OPERATIONS = Symbol('roomledger:api-operations');

/** The methods the API has on a concrete path (for `405` and its `Allow` header); a literal path wins over templates. */
export function allowedMethods(operations: readonly AnyOperation[], path: string): string[] {
  const literal = operations.filter((spec) => spec.path === path);
  const matching = literal.length
    ? literal
    : operations.filter((spec) => new RegExp(`^${spec.path.replace(/\{\w+\}/g, '[^/]+')}$`).test(path));
  return [...new Set(matching.map((spec) => spec.method.toUpperCase()))];
}
