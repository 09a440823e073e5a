import { dataEnv, serviceEnv } from '@roomledger/config';
import { z } from 'zod';

export const configSchema = z.object({
  ...serviceEnv({ httpPort: 3103, grpcPort: 50103 }),
  DATABASE_URL: dataEnv.DATABASE_URL(),
  KAFKA_BROKERS: dataEnv.KAFKA_BROKERS(),
  /** The first admin, created at start-up when no admin exists (see the README for local defaults). */
  ROOMLEDGER_ADMIN_EMAIL: z.email().default('admin@roomledger.local'),
  ROOMLEDGER_ADMIN_PASSWORD: z
    .string()
    .min(12, 'must be at least 12 characters')
    .default('change-me-admin-password'),
});
export type UserConfig = z.infer<typeof configSchema>;
