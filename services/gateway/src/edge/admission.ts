import type { Caller } from '@roomledger/service-runtime';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config';
import { ProblemError } from './problem';
import { rateLimitHeaders, type RateLimitRule, type SlidingWindowLimiter } from './rate-limit';

export interface Admittance {
  caller?: Caller;
  ip: string;
  write: boolean;
  /** Sign-up and sign-in: limited per IP address more tightly. */
  auth: boolean;
}

/**
 * The gateway's rate limits, the same for HTTP and gRPC: per IP address on everything, per user on reads
 * and on writes, and tighter per IP on sign-up and sign-in. Answers the `RateLimit-*` headers, or throws
 * `rate_limited` with them and `Retry-After`. Without Redis it admits (see WITHOUT_REDIS).
 */
export class Admission {
  private degraded = false;

  constructor(
    private readonly config: GatewayConfig,
    private readonly limiter: SlidingWindowLimiter,
    private readonly logger: Logger,
  ) {}

  async admit({ caller, ip, write, auth }: Admittance): Promise<Record<string, string>> {
    const config = this.config;
    if (!config.RATE_LIMITS_ENABLED) return {};
    const rule = (name: string, limit: number): RateLimitRule => ({
      name,
      limit,
      windowMs: config.RATE_LIMIT_WINDOW_SECONDS * 1_000,
    });
    const checks = [
      { key: `ip:${ip}`, rule: rule('ip', config.RATE_LIMIT_IP_REQUESTS) },
      ...(auth ? [{ key: `ip:${ip}:auth`, rule: rule('auth', config.RATE_LIMIT_IP_AUTH) }] : []),
      ...(caller
        ? [
            write
              ? {
                  key: `user:${caller.userId}:writes`,
                  rule: rule('user-writes', config.RATE_LIMIT_USER_WRITES),
                }
              : {
                  key: `user:${caller.userId}:reads`,
                  rule: rule('user-reads', config.RATE_LIMIT_USER_READS),
                },
          ]
        : []),
    ];
    let decision;
    try {
      decision = await this.limiter.hit(checks);
    } catch (error) {
      // Once per outage, not once per request.
      if (!this.degraded)
        this.logger.warn({ err: error }, 'rate limiter unavailable; admitting without limits');
      this.degraded = true;
      return {};
    }
    if (this.degraded) this.logger.info('rate limiter available again');
    this.degraded = false;
    const headers = rateLimitHeaders(decision);
    if (!decision.allowed) {
      throw new ProblemError(
        'rate_limited',
        `rate limit "${decision.rule.name}" reached; retry later`,
        {},
        headers,
      );
    }
    return headers;
  }
}
