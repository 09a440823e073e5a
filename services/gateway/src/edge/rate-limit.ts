import type { Redis } from 'ioredis';

/** How many requests a caller may make per window, e.g. `{ name: 'user-writes', limit: 300, windowMs: 60_000 }`. */
export interface RateLimitRule {
  name: string;
  limit: number;
  windowMs: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** The rule that decided: the one refusing, or the one with the least quota left. */
  rule: RateLimitRule;
  remaining: number;
  /** Refused: when the request would be allowed. Allowed: when the current fixed window ends and its count starts to fade. */
  resetSeconds: number;
  /** 0 when allowed. */
  retryAfterSeconds: number;
}

/**
 * One hit against every check, atomically. Each check has one hash: the window length and index it
 * counts in, and the counts of that window and the one before. A request is counted only when every
 * check allows it, so a refused request consumes no quota anywhere.
 *
 * KEYS: one counter per check. ARGV: now in ms ('' = the Redis server's clock), then limit and
 * window length (ms) per check. Replies per check: { allowed 0|1, remaining, ms until the window
 * ends, ms until the request would be allowed (0 when allowed) }.
 */
const HIT_SCRIPT = `
local now = tonumber(ARGV[1])
if not now then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local checks = {}
local everyAllowed = true
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[2 * i])
  local window = tonumber(ARGV[2 * i + 1])
  local index = math.floor(now / window)
  local elapsed = now - index * window
  local current, previous = 0, 0
  local stored = redis.call('HMGET', key, 'window', 'index', 'current', 'previous')
  -- A changed window length starts afresh: the stored indices count other windows.
  if tonumber(stored[1]) == window then
    local storedIndex = tonumber(stored[2])
    if storedIndex == index then
      current, previous = tonumber(stored[3]), tonumber(stored[4])
    elseif storedIndex == index - 1 then
      previous = tonumber(stored[3])
    elseif storedIndex > index then
      -- Written by a clock ahead of ours: count in that window, from its start.
      index, elapsed = storedIndex, 0
      current, previous = tonumber(stored[3]), tonumber(stored[4])
    end
  end
  -- The weighted count times the window length, to stay in exact integer arithmetic.
  local used = previous * (window - elapsed) + current * window
  local allowed = used + window <= limit * window
  everyAllowed = everyAllowed and allowed
  checks[i] = { key = key, limit = limit, window = window, index = index, elapsed = elapsed,
    current = current, previous = previous, used = used, allowed = allowed }
end
local replies = {}
for i, c in ipairs(checks) do
  if everyAllowed then
    c.current = c.current + 1
    c.used = c.used + c.window
    redis.call('HSET', c.key, 'window', c.window, 'index', c.index, 'current', c.current, 'previous', c.previous)
    redis.call('PEXPIRE', c.key, 2 * c.window)
  end
  local remaining = math.max(0, math.floor((c.limit * c.window - c.used) / c.window))
  local retry = 0
  if not c.allowed then
    if c.current + 1 <= c.limit then
      -- The previous window's weight fades until one more request fits.
      retry = math.ceil(c.window - (c.limit - c.current - 1) * c.window / c.previous) - c.elapsed
    else
      -- Only the next window can take it, once this window's count has faded enough there.
      retry = (c.window - c.elapsed) + math.ceil(c.window - (c.limit - 1) * c.window / c.current)
    end
  end
  replies[i] = { c.allowed and 1 or 0, remaining, c.window - c.elapsed, retry }
end
return replies
`;

const HIT_COMMAND = 'roomledgerRateLimitHit';

type HitReply = [allowed: 0 | 1, remaining: number, windowEndsInMs: number, retryInMs: number];
type HitCommand = (numberOfKeys: number, ...args: (string | number)[]) => Promise<HitReply[]>;

/**
 * The sliding window counter: a request counts against the current fixed window, and the previous
 * window's count still weighs in proportion to how much of it the sliding window overlaps. Two
 * numbers per caller and rule, no per-request log, and no burst of twice the limit at a boundary.
 */
export class SlidingWindowLimiter {
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    options: { prefix?: string } = {},
  ) {
    this.prefix = options.prefix ?? 'roomledger:rate';
    // EVALSHA, falling back to EVAL once after a Redis restart flushed the script cache.
    redis.defineCommand(HIT_COMMAND, { lua: HIT_SCRIPT });
  }

  /** Counts one request against every rule (e.g. per-user and per-IP) and answers with the tightest. A refused request counts against nothing. */
  async hit(checks: { key: string; rule: RateLimitRule }[], nowMs?: number): Promise<RateLimitDecision> {
    if (checks.length === 0) throw new RangeError('a rate limit hit needs at least one check');
    for (const { rule } of checks) assertRule(rule);
    const hit = (this.redis as unknown as Record<string, HitCommand>)[HIT_COMMAND];
    const replies = await hit.call(
      this.redis,
      checks.length,
      ...checks.map(({ key, rule }) => `${this.prefix}:${rule.name}:${key}`),
      nowMs === undefined ? '' : Math.floor(nowMs),
      ...checks.flatMap(({ rule }) => [rule.limit, rule.windowMs]),
    );
    const allowed = replies.every(([ok]) => ok === 1);
    // Allowed: the rule closest to refusing. Refused: the refusing rule that clears last.
    const candidates = replies
      .map((reply, index) => ({ reply, check: checks[index] }))
      .filter(({ reply }) => allowed || reply[0] === 0);
    const decisive = candidates.reduce((best, candidate) =>
      (allowed ? candidate.reply[1] < best.reply[1] : candidate.reply[3] > best.reply[3]) ? candidate : best,
    );
    const [, remaining, windowEndsInMs, retryInMs] = decisive.reply;
    const retryAfterSeconds = allowed ? 0 : Math.max(1, Math.ceil(retryInMs / 1000));
    return {
      allowed,
      rule: decisive.check.rule,
      remaining,
      resetSeconds: allowed ? Math.max(1, Math.ceil(windowEndsInMs / 1000)) : retryAfterSeconds,
      retryAfterSeconds,
    };
  }
}

/** Headers per the IETF RateLimit header fields draft: RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset (seconds), RateLimit-Policy ("<limit>;w=<window seconds>"), plus Retry-After when refused. */
export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  const { rule } = decision;
  return {
    'RateLimit-Limit': String(rule.limit),
    'RateLimit-Remaining': String(decision.remaining),
    'RateLimit-Reset': String(decision.resetSeconds),
    'RateLimit-Policy': `${rule.limit};w=${Math.max(1, Math.ceil(rule.windowMs / 1000))}`,
    ...(decision.allowed ? {} : { 'Retry-After': String(decision.retryAfterSeconds) }),
  };
}

function assertRule(rule: RateLimitRule): void {
  if (!Number.isSafeInteger(rule.limit) || rule.limit < 1) {
    throw new RangeError(`rate limit ${rule.name}: limit must be a positive integer, not ${rule.limit}`);
  }
  if (!Number.isSafeInteger(rule.windowMs) || rule.windowMs < 1) {
    throw new RangeError(
      `rate limit ${rule.name}: windowMs must be a positive integer, not ${rule.windowMs}`,
    );
  }
}
