import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type IdempotencyClaim =
  | { outcome: 'first' } // run the request, then complete() or release()
  | { outcome: 'replay'; response: StoredResponse }
  | { outcome: 'in_progress' } // the first request with this key is still running
  | { outcome: 'reused' }; // same key, different request (hash differs)

/**
 * One JSON value per caller and key. The scope is kept in the record too, so two callers whose
 * `scope:key` happen to spell the same Redis key never see each other's responses.
 */
type IdempotencyRecord =
  | { state: 'in_progress'; scope: string; requestHash: string }
  | { state: 'completed'; scope: string; requestHash: string; response: StoredResponse };

/** Stores the response unless the key now belongs to another request (a lock that expired and was claimed again). */
const COMPLETE_SCRIPT = `
local stored = redis.call('GET', KEYS[1])
if stored then
  local record = cjson.decode(stored)
  if record.scope ~= ARGV[2] or record.requestHash ~= ARGV[3] then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[4])
return 1
`;

/** Frees a running claim; a completed response stays to be replayed. */
const RELEASE_SCRIPT = `
local stored = redis.call('GET', KEYS[1])
if stored and cjson.decode(stored).state == 'in_progress' then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

const COMPLETE_COMMAND = 'roomledgerIdempotencyComplete';
const RELEASE_COMMAND = 'roomledgerIdempotencyRelease';

type ScriptCommand = (key: string, ...args: (string | number)[]) => Promise<number>;

/**
 * Idempotency-Key for writes: the first request with a key runs, and its response is kept for
 * `ttlSeconds`; a retry with the same key and the same request gets that response again, a retry
 * while it runs is told so, and the same key with another request is refused.
 */
export class IdempotencyStore {
  private readonly ttlSeconds: number;
  private readonly lockMs: number;
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    options: {
      ttlSeconds: number;
      /** how long a claim stays 'in progress' if the gateway dies mid-request */
      lockSeconds: number;
      prefix?: string;
    },
  ) {
    for (const [name, seconds] of [
      ['ttlSeconds', options.ttlSeconds],
      ['lockSeconds', options.lockSeconds],
    ] as const) {
      if (!Number.isSafeInteger(seconds) || seconds < 1) {
        throw new RangeError(`idempotency ${name} must be a positive integer, not ${seconds}`);
      }
    }
    this.ttlSeconds = options.ttlSeconds;
    this.lockMs = options.lockSeconds * 1000;
    this.prefix = options.prefix ?? 'roomledger:idempotency';
    redis.defineCommand(COMPLETE_COMMAND, { numberOfKeys: 1, lua: COMPLETE_SCRIPT });
    redis.defineCommand(RELEASE_COMMAND, { numberOfKeys: 1, lua: RELEASE_SCRIPT });
  }

  async claim(scope: string, key: string, requestHash: string): Promise<IdempotencyClaim> {
    const running: IdempotencyRecord = { state: 'in_progress', scope, requestHash };
    // SET NX GET (Redis 7): claims the key, or answers with what holds it, in one atomic step.
    const stored = await this.redis.set(
      this.keyOf(scope, key),
      JSON.stringify(running),
      'PX',
      this.lockMs,
      'NX',
      'GET',
    );
    if (stored === null) return { outcome: 'first' };
    const record = JSON.parse(stored) as IdempotencyRecord;
    if (record.scope !== scope || record.requestHash !== requestHash) return { outcome: 'reused' };
    if (record.state === 'in_progress') return { outcome: 'in_progress' };
    return { outcome: 'replay', response: record.response };
  }

  /** Keeps the response for ttlSeconds, to be replayed to retries of the same request. */
  async complete(scope: string, key: string, requestHash: string, response: StoredResponse): Promise<void> {
    const completed: IdempotencyRecord = { state: 'completed', scope, requestHash, response };
    await this.script(COMPLETE_COMMAND)(
      this.keyOf(scope, key),
      JSON.stringify(completed),
      scope,
      requestHash,
      this.ttlSeconds,
    );
  }

  /** The request ended without a response worth keeping (5xx): a retry runs again. */
  async release(scope: string, key: string): Promise<void> {
    await this.script(RELEASE_COMMAND)(this.keyOf(scope, key));
  }

  private keyOf(scope: string, key: string): string {
    if (scope.length === 0) throw new RangeError('an idempotency scope must not be empty');
    return `${this.prefix}:${scope}:${key}`;
  }

  private script(name: string): ScriptCommand {
    const command = (this.redis as unknown as Record<string, ScriptCommand>)[name];
    return command.bind(this.redis);
  }
}

/** sha256 hex of method, path and the body's canonical JSON (object keys sorted recursively), so key order and whitespace do not matter. */
export function requestHash(method: string, path: string, body: unknown): string {
  // The JSON round trip first: what the service will see (no undefined members, dates as strings).
  const json = body === undefined ? null : (JSON.parse(JSON.stringify(body)) as unknown);
  return createHash('sha256')
    .update(canonicalJson([method.toUpperCase(), path, json]))
    .digest('hex');
}

/** A deterministic UUID (version 8 layout, from sha256 of scope and key) used as the command id, so the key is the same decision in the event store. */
export function commandIdFor(scope: string, key: string): string {
  const bytes = createHash('sha256')
    .update(JSON.stringify(['roomledger.idempotency-key', scope, key]))
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80; // version 8 (RFC 9562, custom)
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // variant 10
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Idempotency-Key must be 1..255 visible ASCII characters; returns a reason string when invalid, else undefined.
 * The reason reads after the header name: "must not be empty".
 */
export function invalidIdempotencyKey(key: string): string | undefined {
  if (key.length === 0) return 'must not be empty';
  if (key.length > 255) return 'must be at most 255 characters';
  if (!/^[\x21-\x7e]+$/.test(key)) return 'must be visible ASCII characters only, without spaces';
  return undefined;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.keys(value)
      .sort()
      .map((name) => `${JSON.stringify(name)}:${canonicalJson((value as Record<string, unknown>)[name])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}
