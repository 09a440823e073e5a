import {
  createParamDecorator,
  Inject,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { trace } from '@opentelemetry/api';
import { currentTraceIds } from '@roomledger/observability';
import { LOGGER } from '@roomledger/service-runtime';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { from, lastValueFrom, switchMap, type Observable } from 'rxjs';
import type { z } from 'zod';
import { Admission } from './admission';
import { isAdmin, TokenVerifier } from './authentication';
import {
  commandIdFor,
  IdempotencyStore,
  invalidIdempotencyKey,
  requestHash,
  type StoredResponse,
} from './idempotency';
import {
  allowedMethods,
  API_OPERATIONS,
  isReply,
  OPERATION,
  type AnyOperation,
  type EdgeRequest,
} from './operation';
import { methodNotAllowed, ProblemError, problemBody } from './problem';

/** The handler's view of the request: `@Edge() request: EdgeRequest<typeof someOperation>`. */
export const Edge = createParamDecorator(
  (_: unknown, context: ExecutionContext) => context.switchToHttp().getRequest<{ edge: EdgeRequest }>().edge,
);

/**
 * What every public REST operation gets, in this order: authentication (bearer token, role), rate
 * limits (per user and per IP, in Redis), input validation against the operation's schemas, `If-Match`,
 * and `Idempotency-Key` (the first response kept for a day and replayed; the key becomes the command id).
 * Routes without an operation (health, metrics, docs) pass through untouched.
 */
@Injectable()
export class EdgeInterceptor implements NestInterceptor {
  private readonly reflector = new Reflector();

  constructor(
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Inject(Admission) private readonly admission: Admission,
    @Inject(IdempotencyStore) private readonly idempotency: IdempotencyStore,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(API_OPERATIONS) private readonly operations: readonly AnyOperation[],
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const spec = this.reflector.get<AnyOperation | undefined>(OPERATION, context.getHandler());
    if (!spec) return next.handle();
    const request = context.switchToHttp().getRequest<Request & { edge?: EdgeRequest }>();
    const response = context.switchToHttp().getResponse<Response>();
    // Every answer names its trace (W3C `traceresponse`), so a client can look it up in Jaeger.
    const traced = traceResponse();
    if (traced) response.setHeader('traceresponse', traced);
    if (spec.stream) {
      // A live stream: checked like any request, then the handler's events flow until the client leaves.
      // What can be checked at once is checked before Nest starts the event stream, so it is an HTTP answer.
      if (!request.headers.authorization) {
        throw new ProblemError('unauthenticated', 'send Authorization: Bearer <access token>');
      }
      const input = validate(spec, request);
      return from(this.admitStream(request, input)).pipe(switchMap(() => next.handle()));
    }
    return from(this.handle(spec, request, response, next));
  }

  private async admitStream(
    request: Request & { edge?: EdgeRequest },
    input: Pick<EdgeRequest, 'params' | 'query' | 'body'>,
  ) {
    const ip = request.socket.remoteAddress ?? 'unknown';
    const caller = await this.verifier.verify(request.headers.authorization);
    // Counted like a read; its RateLimit-* headers are not sent: Nest has begun the event stream by now.
    await this.admission.admit({ caller, ip, write: false, auth: false });
    const lastEventId = request.headers['last-event-id'];
    request.edge = {
      ...input,
      caller,
      expectedVersion: 0,
      ip,
      ...(typeof lastEventId === 'string' ? { lastEventId } : {}),
    };
  }

  private async handle(
    spec: AnyOperation,
    request: Request & { edge?: EdgeRequest },
    response: Response,
    next: CallHandler,
  ): Promise<unknown> {
    // `PATCH /v1/bookings/holds` reaches `PATCH /v1/bookings/{bookingId}`; the path is another operation's.
    const allowed = allowedMethods(this.operations, request.path);
    if (allowed.length && !allowed.includes(spec.method.toUpperCase()))
      throw methodNotAllowed(request, allowed);
    const ip = request.socket.remoteAddress ?? 'unknown';
    const caller =
      spec.access === 'public' ? undefined : await this.verifier.verify(request.headers.authorization);
    if (spec.access === 'admin' && caller && !isAdmin(caller)) {
      throw new ProblemError('forbidden', 'this operation is for admins');
    }
    const limits = await this.admission.admit({
      caller,
      ip,
      write: spec.method !== 'get',
      auth: spec.rateLimit === 'auth',
    });
    for (const [name, value] of Object.entries(limits)) response.setHeader(name, value);
    const input = validate(spec, request);
    const key = spec.method === 'get' ? undefined : request.headers['idempotency-key'];
    const invalid = typeof key === 'string' ? invalidIdempotencyKey(key) : undefined;
    if (invalid) throw new ProblemError('validation_failed', `Idempotency-Key ${invalid}`);
    const expectedVersion = ifMatchVersion(spec, request.headers['if-match']);
    // The same scope as the gRPC edge's, so one key is one decision whichever way it comes.
    const scope = caller ? caller.userId : `ip:${ip}`;
    if (typeof key !== 'string') {
      request.edge = { ...input, caller, expectedVersion, ip };
      return this.respond(await lastValueFrom(next.handle(), { defaultValue: undefined }), response);
    }
    const hash = requestHash(spec.method, request.path, {
      body: request.body ?? null,
      ifMatch: expectedVersion,
    });
    const claim = await this.idempotency.claim(scope, key, hash).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'idempotency store unavailable');
      throw new ProblemError(
        'unavailable',
        'Idempotency-Key cannot be honoured right now (store unavailable); retry',
      );
    });
    if (claim.outcome === 'replay') return this.replay(claim.response, response);
    if (claim.outcome === 'in_progress') {
      throw new ProblemError(
        'idempotency_in_progress',
        'the first request with this Idempotency-Key is still running',
      );
    }
    if (claim.outcome === 'reused') {
      throw new ProblemError(
        'idempotency_key_reused',
        'this Idempotency-Key was used with a different request',
      );
    }
    request.edge = { ...input, caller, expectedVersion, ip, commandId: commandIdFor(scope, key) };
    let stored: StoredResponse;
    try {
      const body = this.respond(await lastValueFrom(next.handle(), { defaultValue: undefined }), response);
      stored = {
        status: response.statusCode,
        headers: keptHeaders(response),
        body: JSON.stringify(body ?? null),
      };
    } catch (error) {
      if (!(error instanceof ProblemError) || error.status >= 500 || error.status === 429) {
        // Nothing worth keeping: a retry with the key runs again (the same command id, so no double decision).
        await this.idempotency.release(scope, key).catch(() => undefined);
        throw error;
      }
      stored = {
        status: error.status,
        headers: { 'content-type': 'application/problem+json', ...error.headers },
        body: JSON.stringify(
          problemBody(error, { instance: request.originalUrl, traceId: currentTraceIds()?.trace_id }),
        ),
      };
      await this.keep(scope, key, hash, stored);
      throw error;
    }
    await this.keep(scope, key, hash, stored);
    return JSON.parse(stored.body) as unknown;
  }

  private respond(result: unknown, response: Response): unknown {
    if (!isReply(result)) return result;
    if (result.version !== undefined) response.setHeader('ETag', `"${result.version}"`);
    if (result.location) response.setHeader('Location', result.location);
    return result.body;
  }

  private replay(stored: StoredResponse, response: Response): unknown {
    for (const [name, value] of Object.entries(stored.headers)) response.setHeader(name, value);
    response.setHeader('Idempotent-Replayed', 'true');
    response.status(stored.status);
    if (stored.status >= 400) {
      response.type('application/problem+json').send(stored.body);
      return undefined;
    }
    return JSON.parse(stored.body) as unknown;
  }

  private async keep(scope: string, key: string, hash: string, stored: StoredResponse) {
    await this.idempotency.complete(scope, key, hash, stored).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'could not keep an idempotent response; a retry will run again');
    });
  }
}

/** `00-<trace id>-<span id>-<flags>` of the active span, or `undefined` outside a trace. */
function traceResponse(): string | undefined {
  const span = trace.getActiveSpan()?.spanContext();
  if (!span || !trace.isSpanContextValid(span)) return undefined;
  return `00-${span.traceId}-${span.spanId}-${span.traceFlags.toString(16).padStart(2, '0')}`;
}

function keptHeaders(response: Response): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of ['etag', 'location']) {
    const value = response.getHeader(name);
    if (typeof value === 'string') kept[name] = value;
  }
  return kept;
}

/** Parses path, query and body with the operation's schemas; every problem found is reported at once. */
function validate(spec: AnyOperation, request: Request): Pick<EdgeRequest, 'params' | 'query' | 'body'> {
  const errors: { field: string; message: string }[] = [];
  const parse = (where: string, schema: z.ZodType | undefined, value: unknown) => {
    if (!schema) return where === 'body' ? undefined : {};
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
      errors.push({ field: [where, ...issue.path.map(String)].join('.'), message: issue.message });
    }
    return undefined;
  };
  const hasBody =
    Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
  if (spec.body && hasBody && !request.is(['application/json', 'application/*+json'])) {
    throw new ProblemError('unsupported_media_type', 'send the body as application/json');
  }
  const params = parse('path', spec.params, request.params);
  const query = parse('query', spec.query, request.query);
  const body = parse('body', spec.body, spec.body ? (request.body ?? {}) : undefined);
  if (errors.length) {
    throw new ProblemError('validation_failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), {
      errors,
    });
  }
  return { params, query, body } as Pick<EdgeRequest, 'params' | 'query' | 'body'>;
}

/** `If-Match: "7"` (or `W/"7"`) → 7; `*` or absent → 0 (unconditional). */
function ifMatchVersion(spec: AnyOperation, header: string | undefined): number {
  if (!header || !spec.ifMatch || header.trim() === '*') return 0;
  const match = /^\s*(?:W\/)?"(\d{1,15})"\s*$/.exec(header);
  if (!match || Number(match[1]) < 1) {
    throw new ProblemError('version_mismatch', 'If-Match must be the ETag of the resource, e.g. "3"');
  }
  return Number(match[1]);
}
