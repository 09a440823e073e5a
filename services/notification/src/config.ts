import { dataEnv, env, serviceEnv } from '@roomledger/config';
import { z } from 'zod';

export const configSchema = z.object({
  ...serviceEnv({ httpPort: 3104, grpcPort: 50104 }),
  DATABASE_URL: dataEnv.DATABASE_URL(),
  REDIS_URL: dataEnv.REDIS_URL(),
  KAFKA_BROKERS: dataEnv.KAFKA_BROKERS(),
  SMTP_URL: env.url('smtp://127.0.0.1:1025', ['smtp', 'smtps']),
  MAIL_FROM: z.string().min(3).default('roomledger <no-reply@roomledger.local>'),
});
export type NotificationConfig = z.infer<typeof configSchema>;
