import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { eventually } from './eventually';
import { firstAdmin, gatewayCaller, signIn, type GatewayCall } from './gateway';
import { createFeedTopics, type FeedTopics } from './kafka';
import { freePort } from './ports';
import { createTestDatabase } from './postgres';
import { testStack, uniqueSuffix } from './stack';

const root = join(__dirname, '../../../..');
/**
 * How `npm start` starts a service (`scripts/service-node-args.cjs`): node's arguments for a service's
 * compiled main, and the size of V8's helper-thread pool among its flags. The benches start theirs so too.
 */
export const { serviceNodeArgs, v8PoolSize } = createRequire(__filename)(
  join(root, 'scripts/service-node-args.cjs'),
) as { serviceNodeArgs(root: string, service: string): string[]; v8PoolSize(): number };

interface ServiceDefinition {
  name: string;
  env: Record<string, string>;
}

export interface RunningSystem {
  gatewayUrl: string;
  gatewayGrpcAddress: string;
  /** Every service's log lines so far, prefixed with its name (for a failing test to show). */
  logs(): string[];
  services: Record<string, { httpUrl: string; grpcAddress: string; pid: number }>;
  stop(): Promise<void>;
}

/**
 * The whole system as real processes on free ports, built and started exactly as `npm start` does
 * (compiled output, one process per service), against the test servers, on a database of its own: a
 * system that `npm start` runs meanwhile (its relays hold their leases in its database) is not disturbed.
 * Every service gets the run's own copy of `user.events.v1` (USER_EVENTS_TOPIC), deleted by `stop()`;
 * the other feeds are the caller's to give in `env` (`createFeedTopics`).
 */
export async function startSystem(options: { env?: Record<string, string> } = {}): Promise<RunningSystem> {
  const build = spawnSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}${build.stderr}`);

  const { services } = JSON.parse(readFileSync(join(root, 'infra/local/services.json'), 'utf8')) as {
    services: ServiceDefinition[];
  };
  const ports = Object.fromEntries(
    await Promise.all(
      services.map(
        async (service) => [service.name, { http: await freePort(), grpc: await freePort() }] as const,
      ),
    ),
  );
  const database = await createTestDatabase('rl_system');
  // The run's own user feed: the user service creates its first admin at every start, and booking's
  // user directory and notification's intake read the feed from the beginning, so a shared topic would
  // hand them every earlier run's users. A caller that passes USER_EVENTS_TOPIC keeps its own.
  const kafka = new Kafka({
    clientId: 'system-test',
    brokers: testStack.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  const userFeed = options.env?.USER_EVENTS_TOPIC
    ? undefined
    : await createFeedTopics(kafka, { 'user.events.v1': 'USER_EVENTS_TOPIC' });
  const children: ChildProcess[] = [];
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= stopAll());
  const stopAll = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
    await database.drop();
    await userFeed?.delete();
  };
  const logs: string[] = [];
  // Consumer groups of their own too: a group shared with a running `npm start` would split the
  // partitions of both systems' topics between them.
  const groupSuffix = uniqueSuffix();
  for (const service of services) {
    const ownGroups = Object.fromEntries(
      Object.entries(service.env)
        .filter(([name]) => name.endsWith('_GROUP_ID'))
        .map(([name, group]) => [name, `${group}.${groupSuffix}`]),
    );
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      ...service.env,
      ...ownGroups,
      HTTP_PORT: String(ports[service.name].http),
      GRPC_PORT: String(ports[service.name].grpc),
      DATABASE_URL: database.url,
      REDIS_URL: testStack.redisUrl,
      KAFKA_BROKERS: testStack.kafkaBrokers.join(','),
      SMTP_URL: testStack.smtpUrl,
      OTEL_EXPORTER_OTLP_ENDPOINT: testStack.otlpEndpoint,
      LOG_LEVEL: process.env.ROOMLEDGER_TEST_LOG_LEVEL ?? 'warn',
      ...downstreamAddresses(ports),
      ...userFeed?.env,
      ...options.env,
    };
    const child = spawn(process.execPath, serviceNodeArgs(root, service.name), {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) =>
      logs.push(
        ...chunk
          .toString()
          .split('\n')
          .filter(Boolean)
          .map((line) => `${service.name}: ${line}`),
      );
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    children.push(child);
  }
  const gatewayUrl = `http://127.0.0.1:${ports.gateway.http}`;
  try {
    await eventually(
      async () => {
        const exited = children.find((child) => child.exitCode !== null);
        if (exited) throw Object.assign(new Error('a service exited during start-up'), { fatal: true });
        const response = await fetch(`${gatewayUrl}/health/ready`);
        if (!response.ok) throw new Error(`gateway not ready: ${await response.text()}`);
      },
      60_000,
      500,
    );
  } catch (error) {
    await stop();
    throw new Error(
      `the system did not become ready: ${(error as Error).message}\n${logs.slice(-40).join('\n')}`,
    );
  }
  return {
    gatewayUrl,
    gatewayGrpcAddress: `127.0.0.1:${ports.gateway.grpc}`,
    logs: () => [...logs],
    services: Object.fromEntries(
      services.map((service, index) => [
        service.name,
        {
          httpUrl: `http://127.0.0.1:${ports[service.name].http}`,
          grpcAddress: `127.0.0.1:${ports[service.name].grpc}`,
          pid: children[index].pid ?? -1,
        },
      ]),
    ),
    stop,
  };
}

/** A running system with its first admin signed in, and a member and a room ready to book it. */
export interface SystemWithMember {
  system: RunningSystem;
  /** The run's copies of the room, booking, meeting and notification feeds; the caller deletes them after `system.stop()`. */
  feeds: FeedTopics;
  /** The public API through this system's gateway. */
  api: GatewayCall;
  adminToken: string;
  memberId: string;
  memberToken: string;
  /** A room the admin created, which the booking service already knows. */
  roomId: string;
}

/**
 * The whole system (`startSystem`) on the run's own copies of the feeds that carry a booking to a
 * notification, and through its gateway: the first admin signed in; a member registered, signed in and
 * reached on `member.channels` (no reminders); a room the admin created, once the booking service knows
 * it (its availability on `room.bookableOn`, a `YYYY-MM-DD`, answers). Stops what it started when a step
 * fails.
 */
export async function startSystemWithMember(options: {
  /** The Kafka client's name (`e2e-tracing`). */
  clientId: string;
  env?: Record<string, string>;
  member: { email: string; name: string; password: string; channels: string[] };
  room: { name: string; bookableOn: string };
}): Promise<SystemWithMember> {
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: testStack.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  const feeds = await createFeedTopics(kafka, {
    'room.events.v1': 'ROOM_EVENTS_TOPIC',
    'booking.events.v1': 'BOOKING_EVENTS_TOPIC',
    'meeting.events.v1': 'MEETING_EVENTS_TOPIC',
    'notification.events.v1': 'NOTIFICATION_EVENTS_TOPIC',
  });
  let system: RunningSystem | undefined;
  try {
    system = await startSystem({ env: { ...feeds.env, ...options.env } });
    const api = gatewayCaller(system.gatewayUrl);
    const adminToken = await signIn(api, firstAdmin.email, firstAdmin.password);
    const room = await api<{ id: string }>('POST', '/v1/rooms', adminToken, {
      name: options.room.name,
      capacity: 4,
      timeZone: 'Europe/Berlin',
    });
    if (room.status !== 201) throw new Error(`creating the room was answered ${room.status}`);
    const { email, name, password, channels } = options.member;
    const registered = await api<{ id: string }>('POST', '/v1/auth/register', undefined, {
      email,
      name,
      password,
      timeZone: 'Europe/Berlin',
    });
    if (registered.status !== 201) throw new Error(`registering ${email} was answered ${registered.status}`);
    const memberToken = await signIn(api, email, password);
    const preferences = await api('PATCH', '/v1/users/me', memberToken, {
      preferences: { channels, reminderOffsetsMinutes: [] },
    });
    if (preferences.status >= 300) throw new Error(`setting preferences was answered ${preferences.status}`);
    // The booking service learns rooms from room.events.v1: a new room is bookable a moment later.
    await eventually(async () => {
      const day = options.room.bookableOn;
      const window = `from=${day}T00:00:00Z&to=${day}T01:00:00Z`;
      const known = await api('GET', `/v1/rooms/${room.body.id}/availability?${window}`, memberToken);
      if (known.status !== 200) throw new Error(`room not bookable yet: ${known.status}`);
    }, 30_000);
    return {
      system,
      feeds,
      api,
      adminToken,
      memberId: registered.body.id,
      memberToken,
      roomId: room.body.id,
    };
  } catch (error) {
    await system?.stop();
    await feeds.delete();
    throw error;
  }
}

function downstreamAddresses(ports: Record<string, { http: number; grpc: number }>): Record<string, string> {
  const entries = ['room', 'booking', 'user', 'notification'].flatMap((name) => [
    [`${name.toUpperCase()}_SERVICE_HTTP_URL`, `http://127.0.0.1:${ports[name].http}`],
    [`${name.toUpperCase()}_SERVICE_GRPC_ADDRESS`, `127.0.0.1:${ports[name].grpc}`],
  ]);
  return Object.fromEntries(entries);
}
