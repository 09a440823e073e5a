import { runReadinessChecks } from './readiness';

describe('Readiness', () => {
  it('is ready when every dependency answers, with each one reported', async () => {
    const report = await runReadinessChecks('booking', [
      { name: 'postgres', check: async () => undefined },
      { name: 'kafka', check: async () => ({ brokers: 1 }) },
    ]);
    expect(report).toMatchObject({
      status: 'ready',
      service: 'booking',
      checks: { postgres: { status: 'up' }, kafka: { status: 'up', brokers: 1 } },
    });
  });

  it('is not ready when one dependency fails, and says which and why', async () => {
    const report = await runReadinessChecks('booking', [
      { name: 'postgres', check: async () => undefined },
      { name: 'kafka', check: async () => Promise.reject(new Error('connection refused')) },
    ]);
    expect(report.status).toBe('not_ready');
    expect(report.checks.postgres.status).toBe('up');
    expect(report.checks.kafka).toMatchObject({ status: 'down', error: 'connection refused' });
  });

  it('counts a dependency that does not answer in time as down', async () => {
    const report = await runReadinessChecks(
      'gateway',
      [{ name: 'redis', check: () => new Promise(() => undefined) }],
      50,
    );
    expect(report.checks.redis).toMatchObject({ status: 'down', error: 'redis did not answer in 50 ms' });
  });

  it('is degraded, not unready, when only an optional dependency is down, and says what is reduced', async () => {
    const down = async () => Promise.reject(new Error('connection refused'));
    const report = await runReadinessChecks('gateway', [
      { name: 'room', check: async () => undefined },
      { name: 'redis', check: down, optional: { whenDown: 'rate limits are not enforced' } },
    ]);
    expect(report.status).toBe('degraded');
    expect(report.checks.redis).toMatchObject({ status: 'down', degraded: 'rate limits are not enforced' });

    const both = await runReadinessChecks('gateway', [
      { name: 'room', check: down },
      { name: 'redis', check: down, optional: { whenDown: 'rate limits are not enforced' } },
    ]);
    expect(both.status).toBe('not_ready');
  });
});
