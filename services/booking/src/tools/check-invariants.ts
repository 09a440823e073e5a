/**
 * `npm run check:invariants`: reads every room schedule in the event store and reports any time
 * a room was double-booked, over capacity or booked under maintenance.
 *
 * Environment: DATABASE_URL (required, the booking service's database), EVENT_STORE_SCHEMA
 * (default `event_store`). Prints one JSON line per violation, then
 * `invariants: <rooms> rooms, <events> events, <violations> violations`.
 * Exits 0 when clean, 1 on a violation, 2 when it could not check (configuration, connection).
 */
import { ConfigError, loadConfig } from '@roomledger/config';
import { z } from 'zod';
import { configSchema } from '../config';
import { checkInvariants } from './invariants-check';

const isPostgresUrl = (value: string): boolean => {
  try {
    return ['postgres:', 'postgresql:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
};

const toolConfigSchema = z.object({
  // Required here, unlike in the service: an audit must say which database it read.
  DATABASE_URL: z
    .string({ error: 'required: the booking database, postgres://...' })
    .refine(isPostgresUrl, 'must be a postgres or postgresql URL'),
  EVENT_STORE_SCHEMA: configSchema.shape.EVENT_STORE_SCHEMA,
});

const print = (line: string): void => void process.stdout.write(`${line}\n`);
const complain = (line: string): void => void process.stderr.write(`check-invariants: ${line}\n`);

async function main(): Promise<number> {
  let config: z.infer<typeof toolConfigSchema>;
  try {
    config = loadConfig(toolConfigSchema);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    complain(error.message);
    return 2;
  }
  try {
    const report = await checkInvariants({
      connectionString: config.DATABASE_URL,
      schema: config.EVENT_STORE_SCHEMA,
      onViolation: (violation) => print(JSON.stringify(violation)),
    });
    print(
      `invariants: ${report.rooms} rooms, ${report.events} events, ${report.violations.length} violations`,
    );
    return report.violations.length > 0 ? 1 : 0;
  } catch (error) {
    complain(error instanceof Error ? error.message : String(error));
    return 2;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    complain(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
  },
);
