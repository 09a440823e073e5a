import { ERROR_CODES, type ErrorCode } from '@roomledger/contracts';
import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import type { AnyOperation } from './operation';

const problem = z
  .object({
    type: z.string().meta({ example: 'https://roomledger.dev/problems/slot-taken' }),
    title: z.string(),
    status: z.int(),
    code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]),
    detail: z.string(),
    instance: z.string().optional(),
    traceId: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    conflicts: z.array(z.object({ start: z.string(), end: z.string() })).optional(),
    alternatives: z.array(z.object({ roomId: z.string(), start: z.string(), end: z.string() })).optional(),
    rule: z.string().optional(),
  })
  .catchall(z.unknown())
  .meta({
    id: 'Problem',
    description:
      'RFC 9457 problem details. `code` is stable; `errors` lists invalid fields, `conflicts` and `alternatives` ' +
      'come with `slot_taken`, `rule` with `policy_violation`.',
  });

const header = (description: string) => ({ description, schema: { type: 'string' as const } });
const rateLimitHeaders = {
  'RateLimit-Limit': header('Requests allowed in the window of the tightest limit'),
  'RateLimit-Remaining': header('Requests left in that window'),
  'RateLimit-Reset': header('Seconds until the window has room again'),
  'RateLimit-Policy': header('The limit and its window, e.g. `300;w=60`'),
};

/** The problems every operation of this kind can answer with, besides its own. */
function commonErrors(spec: AnyOperation): ErrorCode[] {
  const hasInput = spec.params || spec.query || spec.body || spec.method !== 'get';
  return [
    ...(hasInput ? (['validation_failed'] as const) : []),
    ...(spec.access === 'public' ? [] : (['unauthenticated'] as const)),
    ...(spec.access === 'admin' ? (['forbidden'] as const) : []),
    ...(spec.method === 'get' ? [] : (['idempotency_in_progress', 'idempotency_key_reused'] as const)),
    ...(spec.body ? (['payload_too_large', 'unsupported_media_type'] as const) : []),
    ...(spec.ifMatch ? (['version_mismatch'] as const) : []),
    'rate_limited',
    'unavailable',
    'deadline_exceeded',
  ];
}

function operationObject(spec: AnyOperation): ZodOpenApiOperationObject {
  const codes = [...new Set([...spec.errors, ...commonErrors(spec)])];
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes)
    byStatus.set(ERROR_CODES[code].http, [...(byStatus.get(ERROR_CODES[code].http) ?? []), code]);
  const headers = z.object({
    ...(spec.method === 'get'
      ? {}
      : {
          'Idempotency-Key': z
            .string()
            .min(1)
            .max(255)
            .regex(/^[\x21-\x7e]+$/, 'visible ASCII')
            .optional()
            .meta({
              description: 'Repeats of the same request with this key return the first response (24 h).',
            }),
        }),
    ...(spec.ifMatch
      ? {
          'If-Match': z
            .string()
            .optional()
            .meta({ description: "The resource's ETag; 412 if it has changed." }),
        }
      : {}),
  });
  const success = spec.success;
  return {
    operationId: spec.id,
    tags: [spec.tag],
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    ...(spec.access === 'public' ? { security: [] } : {}),
    requestParams: {
      ...(spec.params ? { path: spec.params } : {}),
      ...(spec.query ? { query: spec.query } : {}),
      ...(Object.keys(headers.shape).length ? { header: headers } : {}),
    },
    ...(spec.body
      ? {
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: spec.body,
                ...(spec.requestExample !== undefined ? { example: spec.requestExample } : {}),
              },
            },
          },
        }
      : {}),
    responses: {
      [String(success.status)]: {
        description: success.description,
        headers: {
          ...rateLimitHeaders,
          ...(success.etag ? { ETag: header("The resource's version; send it back in If-Match") } : {}),
        },
        ...(success.schema
          ? {
              content: {
                [success.contentType ?? 'application/json']: {
                  schema: success.schema,
                  ...(success.example !== undefined ? { example: success.example } : {}),
                },
              },
            }
          : {}),
      },
      // Node's HTTP server refuses a request line and headers over 16 KiB itself, without a body.
      ...(spec.query ? { '431': { description: 'The URL is too long (over 16 KiB)' } } : {}),
      '405': {
        description: '`method_not_allowed`: the path exists, the method does not (see `Allow`)',
        headers: { Allow: header('The methods the path has') },
        content: { 'application/problem+json': { schema: problem } },
      },
      ...Object.fromEntries(
        [...byStatus].map(([status, codesHere]) => [
          String(status),
          {
            description: codesHere.map((code) => `\`${code}\``).join(', '),
            headers: status === 429 ? { 'Retry-After': header('Seconds to wait'), ...rateLimitHeaders } : {},
            content: { 'application/problem+json': { schema: problem } },
          },
        ]),
      ),
    },
  };
}

/** The OpenAPI 3.1 document of the public REST API, generated from the operations the controllers route. */
export function openApiDocument(operations: readonly AnyOperation[], version: string) {
  const paths: ZodOpenApiPathsObject = {};
  for (const spec of operations) {
    paths[spec.path] = { ...paths[spec.path], [spec.method]: operationObject(spec) };
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'roomledger',
      version,
      description:
        'Room booking and meeting scheduling. Times in requests are RFC 3339 with an offset; times in ' +
        'responses are UTC. Lists are `{items, nextCursor}`. Errors are `application/problem+json` with a ' +
        'stable `code`. Writes accept `Idempotency-Key`; versioned resources return an `ETag` and honour `If-Match`.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'The accessToken of POST /v1/auth/login',
        },
      },
    },
    paths,
  });
}
