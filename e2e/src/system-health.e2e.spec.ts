import { startSystem, type RunningSystem } from '@roomledger/testing';

describe('The whole system, started as npm start starts it', () => {
  let system: RunningSystem;

  beforeAll(async () => {
    system = await startSystem();
  }, 180_000);

  afterAll(() => system?.stop());

  it("reports ready at the gateway, with every service's own report and its servers inside", async () => {
    const response = await fetch(`${system.gatewayUrl}/health/ready`);
    const report = (await response.json()) as {
      status: string;
      checks: Record<string, { status: string; checks?: Record<string, { status: string }> }>;
    };
    expect(response.status).toBe(200);
    expect(report.status).toBe('ready');
    const nested = (service: string) =>
      Object.fromEntries(
        Object.entries(report.checks[service].checks ?? {}).map(([name, check]) => [name, check.status]),
      );
    expect(report.checks.redis.status).toBe('up');
    expect(nested('room')).toEqual({ postgres: 'up', kafka: 'up', read_model: 'up' });
    expect(nested('booking')).toEqual({ postgres: 'up', kafka: 'up', read_model: 'up' });
    expect(nested('user')).toEqual({ postgres: 'up', kafka: 'up' });
    expect(nested('notification')).toEqual({
      postgres: 'up',
      redis: 'up',
      kafka: 'up',
      smtp: 'up',
      read_model: 'up',
    });
  });

  it('stops every service cleanly on SIGTERM', async () => {
    const pids = Object.values(system.services).map((service) => service.pid);
    await system.stop();
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });
});
