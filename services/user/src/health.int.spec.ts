import { expectOperable, startTestService } from '@roomledger/testing';
import { startUser } from './app.module';
import { configSchema } from './config';
import { testSigningKeys } from './user.fixtures';

describe('The user service, as operators see it', () => {
  it('is live, ready with [postgres,kafka] up, scraped by Prometheus and probed over gRPC', async () => {
    const service = await startTestService({
      schema: configSchema,
      start: startUser,
      service: 'user',
      env: { JWT_SIGNING_KEYS: testSigningKeys() },
    });
    try {
      await expectOperable(service, ['postgres', 'kafka']);
    } finally {
      await service.close();
    }
  });
});
