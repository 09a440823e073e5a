import { freePort, grpcHealth, startTestService } from '@roomledger/testing';
import { startGateway } from './app.module';
import { configSchema } from './config';

describe('The gateway, when the services behind it are not running', () => {
  it('stays live but reports not ready, naming each unreachable service', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const gateway = await startTestService({
      schema: configSchema,
      start: startGateway,
      service: 'gateway',
      env: {
        ROOM_SERVICE_HTTP_URL: closed,
        BOOKING_SERVICE_HTTP_URL: closed,
        USER_SERVICE_HTTP_URL: closed,
        NOTIFICATION_SERVICE_HTTP_URL: closed,
      },
    });
    try {
      expect((await fetch(`${gateway.httpUrl}/health/live`)).status).toBe(200);
      const ready = await fetch(`${gateway.httpUrl}/health/ready`);
      const report = (await ready.json()) as {
        status: string;
        checks: Record<string, { status: string; error?: string }>;
      };
      expect(ready.status).toBe(503);
      expect(report.status).toBe('not_ready');
      expect(report.checks.redis.status).toBe('up');
      for (const service of ['room', 'booking', 'user', 'notification']) {
        expect(report.checks[service]).toMatchObject({
          status: 'down',
          error: expect.stringContaining('unreachable'),
        });
      }
      expect(await grpcHealth(gateway.grpcAddress)).toBe('NOT_SERVING');
    } finally {
      await gateway.close();
    }
  });
});
