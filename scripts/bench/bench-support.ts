/**
 * What every benchmark command shares: its settings, progress lines on stderr, the raw PostgreSQL floor
 * (pgbench), a fresh database, the result table and the "what else was running" snapshot.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, homedir, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Metadata,
  credentials,
  loadPackageDefinition,
  type ServiceClientConstructor,
  type ServiceDefinition,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync, type Options as ProtoLoaderOptions } from '@grpc/proto-loader';
import { createKafka } from '@roomledger/messaging';
import { freePort, roomRegisteredMessage, serviceNodeArgs, v8PoolSize } from '@roomledger/testing';
import { Client } from 'pg';
import { Writer } from 'protobufjs';
import { pino } from 'pino';

export const ADMIN_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgres://roomledger:roomledger@127.0.0.1:5432/roomledger';
export const BROKERS = (process.env.BENCH_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
/** Length of each timed phase. */
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

export const progress = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);
export const now = (): number => performance.now();

/** One line of the result table. */
export interface Row {
  measure: string;
  figure: string;
  detail: string;
  goal: string;
  verdict: string;
}

// ---------------------------------------------------------------------------------------------------

/** A database of its own for one run (`rl_bench_<random>`), on the server of {@link ADMIN_URL}. */
export async function createBenchDatabase(): Promise<{ name: string; url: URL }> {
  const name = `rl_bench_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  await admin(`create database ${name}`);
  return { name, url };
}

/**
 * Drops a bench database. `with (force)` cannot end a backend of another role (an autovacuum worker
 * that has just started on it, after a run's writes), so a refusal is retried a few times.
 */
export async function dropBenchDatabase(name: string): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await admin(`drop database if exists ${name} with (force)`);
      return;
    } catch (error) {
      if (attempt >= 10) throw error;
      await sleep(1_000);
    }
  }
}

export function admin<R extends Record<string, unknown> = Record<string, unknown>>(
  sql: string,
): Promise<R[]> {
  return query<R>(ADMIN_URL, sql);
}

export async function query<R extends Record<string, unknown> = Record<string, unknown>>(
  url: string,
  sql: string,
): Promise<R[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------------

export interface PgbenchResult {
  tps: number;
  latencyMs: number;
  /** Transactions pgbench completed (`number of transactions actually processed`). */
  transactions: number;
}

/**
 * Runs `script` (a pgbench custom script) with `clients` connections for `seconds` against the database
 * of `url`; `defines` are pgbench `-D name=value` variables, each client's own copy.
 */
export function pgbench(options: {
  url: URL;
  clients: number;
  seconds: number;
  script: string;
  defines?: Record<string, string>;
}): PgbenchResult {
  const { url, clients, seconds } = options;
  const pgbenchBinary = ['/usr/lib/postgresql/15/bin/pgbench', 'pgbench'].find(
    (candidate) => spawnSync(candidate, ['--version']).status === 0,
  );
  if (!pgbenchBinary) throw new Error('pgbench not found (Debian package postgresql-client / postgresql)');
  const env = { ...process.env, PGPASSWORD: decodeURIComponent(url.password) };
  const conn = [
    '-h',
    url.hostname,
    '-p',
    url.port || '5432',
    '-U',
    decodeURIComponent(url.username),
    url.pathname.slice(1),
  ];
  const defines = Object.entries(options.defines ?? {}).flatMap(([name, value]) => [
    '-D',
    `${name}=${value}`,
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'rl-bench-'));
  const script = join(dir, 'script.sql');
  writeFileSync(script, options.script);
  try {
    const out = execFileSync(
      pgbenchBinary,
      [
        '-n',
        '-c',
        String(clients),
        '-j',
        String(Math.min(clients, cpus().length)),
        '-T',
        String(seconds),
        ...defines,
        '-f',
        script,
        ...conn,
      ],
      { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(out)?.[1]);
    const latencyMs = Number(/latency average = ([\d.]+) ms/.exec(out)?.[1]);
    const transactions = Number(/number of transactions actually processed: (\d+)/.exec(out)?.[1]);
    if (!Number.isFinite(tps)) throw new Error(`could not read pgbench's output:\n${out}`);
    return { tps, latencyMs, transactions };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------

export interface MachineSnapshot {
  /** Load average over 1, 5 and 15 minutes. */
  load: string;
  /** The top CPU consumers as `ps` lists them. */
  top: string;
}

export function machine(): MachineSnapshot {
  let top = '';
  try {
    const lines = execFileSync('ps', ['-eo', 'pid,pcpu,pmem,etime,args', '--sort=-pcpu'], {
      encoding: 'utf8',
    })
      .split('\n')
      .filter((row) => !/\bps -eo\b/.test(row))
      .map((row) => (row.length > 110 ? `${row.slice(0, 107)}...` : row));
    top = lines.slice(0, 9).join('\n');
  } catch {
    top = '(ps unavailable)';
  }
  return {
    load: loadavg()
      .map((value) => value.toFixed(2))
      .join(' '),
    top,
  };
}

/**
 * Writes the report to stdout: `title`, the table, then the section `machineSection` (e.g. "(f) what
 * else was running") with the machine at start and end, then `notes` (lines, indented by the caller).
 */
export function printReport(report: {
  title: string;
  rows: Row[];
  machineSection: string;
  before: MachineSnapshot;
  after: MachineSnapshot;
  pgVersion: string;
  /** Lines after the machine's (e.g. what ran besides the server); indented by the caller. */
  context?: string[];
  notes: string[];
}): void {
  const { rows, before, after } = report;
  const headers: Row = {
    measure: 'measure',
    figure: 'figure',
    goal: 'goal',
    verdict: 'result',
    detail: 'detail',
  };
  const keys: (keyof Row)[] = ['measure', 'figure', 'goal', 'verdict', 'detail'];
  const widths = keys.map((key) => Math.max(...[headers, ...rows].map((row) => row[key].length)));
  const line = (row: Row): string =>
    keys
      .map((key, i) => row[key].padEnd(widths[i]))
      .join(' | ')
      .trimEnd();
  const out = [
    '',
    report.title,
    '',
    line(headers),
    widths.map((width) => '-'.repeat(width)).join('-|-'),
    ...rows.map(line),
    '',
    report.machineSection,
    `  node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), PostgreSQL ${report.pgVersion}`,
    `  load average (1/5/15 min): ${before.load} at start, ${after.load} at end`,
    ...(report.context ?? []),
    '  top CPU consumers at start:',
    ...before.top.split('\n').map((row) => `    ${row}`),
    '  top CPU consumers at end:',
    ...after.top.split('\n').map((row) => `    ${row}`),
    '',
    ...report.notes,
    '',
  ];
  process.stdout.write(out.join('\n'));
}

// ---------------------------------------------------------------------------------------------------

/** The value at quantile `p` of an ascending array (NaN when empty). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

export const fmt = (value: number): string => Math.round(value).toLocaleString('en-US');
export const ms = (value: number): string => `${value.toFixed(2)} ms`;

/**
 * This run's own copies of public feeds (each with its `.dlq`), so a bench neither reads nor leaves
 * messages on the shared topics. Returns the names by public name and a function that deletes them.
 */
export async function createBenchTopics(
  runId: string,
  publicNames: readonly string[],
): Promise<{ topic: (publicName: string) => string; delete: () => Promise<void> }> {
  const names = new Map(publicNames.map((name) => [name, `bench.${runId}.${name}`]));
  const all = [...names.values()].flatMap((name) => [name, `${name}.dlq`]);
  const kafka = createKafka({ clientId: 'bench', brokers: BROKERS, logger: pino({ level: 'error' }) });
  const kafkaAdmin = kafka.admin();
  await kafkaAdmin.connect();
  try {
    await kafkaAdmin.createTopics({
      waitForLeaders: true,
      topics: all.map((topic) => ({ topic, numPartitions: 6, replicationFactor: 1 })),
    });
  } finally {
    await kafkaAdmin.disconnect();
  }
  return {
    topic: (publicName) => names.get(publicName) ?? publicName,
    delete: async () => {
      const cleanup = kafka.admin();
      await cleanup.connect();
      try {
        await cleanup.deleteTopics({ topics: all, timeout: 10_000 }).catch(() => undefined);
      } finally {
        await cleanup.disconnect();
      }
    },
  };
}

// Running a service as a process beside the bench, and what it cost.

const ROOT = join(__dirname, '../..');
/** `--v8-pool-size` of the services a bench starts (V8's helper threads), for its report. */
export const SERVICE_V8_POOL_SIZE = v8PoolSize();

/** What to undo at the end, last registered first; runs once, whoever asks first (finally or a signal). */
export class Cleanup {
  private readonly steps: (() => Promise<void>)[] = [];
  private running: Promise<void> | undefined;

  add(undo: () => Promise<void>): void {
    this.steps.push(undo);
  }

  run(): Promise<void> {
    this.running ??= (async () => {
      for (const undo of [...this.steps].reverse()) {
        await undo().catch((error: unknown) =>
          progress(`cleanup: ${error instanceof Error ? error.message : String(error)}`),
        );
      }
    })();
    return this.running;
  }
}

// One run of a service bench: the start-up and the end every one of them shares.

let interruption: NodeJS.Signals | undefined;

/** The signal (SIGINT, SIGTERM) that interrupted the run, if one did: load loops end, no phase starts. */
export const interruptedBy = (): NodeJS.Signals | undefined => interruption;

/** Throws once the run was interrupted, so that no further phase starts. */
export function throwIfInterrupted(): void {
  if (interruption) throw new Error(`interrupted (${interruption})`);
}

/** Announces the next step on stderr, unless the run was interrupted meanwhile. */
export function step(line: string): void {
  throwIfInterrupted();
  progress(line);
}

/** What a service bench gets from {@link runBench}. */
export interface BenchSession {
  /** `now()` when the run began, and the machine as it was then (for the report). */
  readonly started: number;
  readonly before: MachineSnapshot;
  /** What to undo at the end: runs after the bench, also when it fails or is interrupted. */
  readonly cleanup: Cleanup;
  /** How the build went, for the report. */
  readonly build: string;
  /** This run's own database (`rl_bench_<runId>`), dropped at the end. */
  readonly db: { name: string; url: URL };
  readonly runId: string;
  /** The PostgreSQL server's version, for the report. */
  readonly pgVersion: string;
  /** This run's own copy of one of the public feeds asked for (with its `.dlq`; deleted at the end). */
  topic(publicName: string): string;
  /** {@link printReport} with the machine as it was at the start and is now, and the server's version. */
  printReport(report: Omit<Parameters<typeof printReport>[0], 'before' | 'after' | 'pgVersion'>): void;
}

/**
 * Runs a service bench: builds the services (`serviceMain` must come out of it), creates the run's own
 * database and copies of `feeds`, hands them to `bench`, and undoes it all at the end, also when the
 * bench fails or SIGINT/SIGTERM arrives (then the process exits 130). A failure is printed with its
 * stack and sets exit code 1.
 */
export async function runBench(
  options: { serviceMain: string; feeds: readonly string[] },
  bench: (session: BenchSession) => Promise<void>,
): Promise<void> {
  const started = now();
  const before = machine();
  const cleanup = new Cleanup();
  const interrupted = (signal: NodeJS.Signals) => {
    interruption = signal;
    progress(`${signal}: stopping the service and dropping the database`);
    void cleanup.run().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    step('building the services (tsc -p tsconfig.build.json, incremental)');
    const build = buildServices(options.serviceMain);
    const db = await createBenchDatabase();
    cleanup.add(() => dropBenchDatabase(db.name));
    const runId = db.name.slice('rl_bench_'.length);
    const [{ server_version: pgVersion }] = await admin<{ server_version: string }>('show server_version');
    const feeds = await createBenchTopics(runId, options.feeds);
    cleanup.add(() => feeds.delete());
    await bench({
      started,
      before,
      cleanup,
      build,
      db,
      runId,
      pgVersion,
      topic: feeds.topic,
      printReport: (report) => printReport({ ...report, before, after: machine(), pgVersion }),
    });
  } catch (error) {
    process.stderr.write(
      `[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  } finally {
    await cleanup.run();
    process.removeListener('SIGINT', interrupted);
    process.removeListener('SIGTERM', interrupted);
  }
}

/** The compiled services, as `npm start` builds them (incremental, a few seconds when nothing changed). */
/** `tsc -p tsconfig.build.json` (incremental); `serviceMain` must exist afterwards. */
export function buildServices(serviceMain: string): string {
  const t0 = now();
  const build = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    { cwd: ROOT, encoding: 'utf8' },
  );
  const took = `${((now() - t0) / 1000).toFixed(1)} s`;
  if (build.status === 0) return `ok in ${took}`;
  const output = `${build.stdout ?? ''}${build.stderr ?? ''}`.trim();
  if (!existsSync(join(ROOT, serviceMain))) throw new Error(`the build failed:\n${output}`);
  // tsc emits despite type errors (someone may be mid-edit elsewhere): run what it emitted, and say so.
  progress(
    `the build reported errors; running dist/ as emitted:\n${output.split('\n').slice(0, 10).join('\n')}`,
  );
  return `tsc exit ${build.status} after ${took}: ran dist/ as emitted`;
}

export interface CpuSnapshot {
  at: number;
  service: number | undefined;
  bench: NodeJS.CpuUsage;
  machine: { busy: number; total: number } | undefined;
}

export const clockTicks = (() => {
  const ticks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim());
  return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
})();

/** User + system CPU seconds of a process from /proc (undefined where there is no /proc). */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks; // utime, stime
  } catch {
    return undefined;
  }
}

/** CPU seconds the whole machine spent busy (not idle, not waiting for I/O) and in all, from /proc/stat. */
export function machineCpuSeconds(): { busy: number; total: number } | undefined {
  try {
    const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = ticks.map(Number);
    const busy = user + nice + system + irq + softirq + steal;
    return { busy: busy / clockTicks, total: (busy + idle + iowait) / clockTicks };
  } catch {
    return undefined;
  }
}

export function cpuSnapshot(pid: number): CpuSnapshot {
  return {
    at: now(),
    service: processCpuSeconds(pid),
    bench: process.cpuUsage(),
    machine: machineCpuSeconds(),
  };
}

export function cpuSince(start: CpuSnapshot, pid: number) {
  const service = processCpuSeconds(pid);
  const bench = process.cpuUsage(start.bench);
  const machineNow = machineCpuSeconds();
  return {
    wallSeconds: (now() - start.at) / 1000,
    service: service === undefined || start.service === undefined ? undefined : service - start.service,
    bench: (bench.user + bench.system) / 1e6,
    machine:
      machineNow && start.machine
        ? { busy: machineNow.busy - start.machine.busy, total: machineNow.total - start.machine.total }
        : undefined,
  };
}

export const cpuFigure = (seconds: number | undefined): string =>
  seconds === undefined ? 'n/a' : `${seconds.toFixed(1)} s`;

export const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

const PROTO_ROOT = join(ROOT, 'libs/contracts/proto');
/** The loader options the services use. */
const PROTO_LOADER_OPTIONS: ProtoLoaderOptions = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** A unary gRPC client with a deadline per call. */
export interface UnaryClient {
  call<R = Record<string, unknown>>(
    method: string,
    request: object,
    metadata: Record<string, string>,
  ): Promise<R>;
  close(): void;
}

/**
 * A unary client of one of our services (`protoFile` under libs/contracts/proto, `service` fully
 * qualified), with the loader options the services use.
 */
export function unaryClient(
  address: string,
  protoFile: string,
  service: string,
  deadlineMs: number,
): UnaryClient {
  const definition = loadSync(join(PROTO_ROOT, protoFile), PROTO_LOADER_OPTIONS);
  const loaded = loadPackageDefinition(definition) as unknown as Record<string, unknown>;
  const Client = service
    .split('.')
    .reduce<unknown>(
      (node, part) => (node as Record<string, unknown>)[part],
      loaded,
    ) as ServiceClientConstructor;
  const client = new Client(address, credentials.createInsecure());
  type Unary = (
    request: object,
    metadata: Metadata,
    options: { deadline: number },
    callback: (error: ServiceError | null, response: unknown) => void,
  ) => void;
  return {
    call<R>(method: string, request: object, metadata: Record<string, string>): Promise<R> {
      const meta = new Metadata();
      for (const [key, value] of Object.entries(metadata)) meta.set(key, value);
      const fn = (client as unknown as Record<string, Unary>)[method];
      return new Promise<R>((resolve, reject) =>
        fn.call(client, request, meta, { deadline: Date.now() + deadlineMs }, (error, response) =>
          error ? reject(error) : resolve(response as R),
        ),
      );
    },
    close: () => client.close(),
  };
}

/** The ghz binary `bash infra/local/stack up` installs (its tools step), or `GHZ_BIN`. */
const GHZ_BIN =
  process.env.GHZ_BIN ??
  join(process.env.ROOMLEDGER_CACHE ?? join(homedir(), '.cache/roomledger'), 'bin/ghz');

/** What one ghz run did: every call's outcome, and the CPU the load generator itself used. */
export interface GhzRun {
  /** Latencies of the calls that answered OK, ms, sorted. */
  readonly okLatencies: number[];
  /** Wall time of the run, s (ghz's own `total`). */
  readonly seconds: number;
  /** Calls by gRPC status name (`OK`, `AlreadyExists`, `Internal`, ...). */
  readonly byStatus: Map<string, number>;
  /** Error messages of the calls that failed, by message, as ghz reports them. */
  readonly errors: Map<string, number>;
  /** User + system CPU of the ghz process, s. */
  readonly cpuSeconds: number;
}

/**
 * Unary load from ghz, a compiled gRPC load generator, prepared (requests written) before `run()`
 * starts it, so that a CPU or time window around `run()` holds the load alone: `concurrency` workers over one connection,
 * each calling `method` again as soon as its last call answered, for `seconds`; calls still in flight
 * at the end are waited for. Call n (counted from 0 across all workers) sends `requests[n % length]`,
 * so a list longer than the run's calls gives every call a request of its own. The requests reach ghz
 * serialised (length-delimited protobuf), which it decodes once before the run; JSON call data would
 * be parsed again for every call, and its templates build ~200 functions per call.
 * Why not the node client: on these two CPUs it costs ~0.26 ms of CPU per call, a fifth of what a booking
 * decision costs the whole machine, taken from what it measures; ghz costs about half of that (~0.12 ms).
 */
export function ghzLoad(options: {
  address: string;
  /** Under libs/contracts/proto. */
  protoFile: string;
  /** `package.Service/Method`, unary. */
  method: string;
  concurrency: number;
  seconds: number;
  deadlineMs: number;
  requests: readonly object[];
  metadata: Record<string, string>;
}): { run(): Promise<GhzRun> } {
  if (!existsSync(GHZ_BIN)) {
    throw new Error(
      `ghz not found at ${GHZ_BIN}: \`bash infra/local/stack up\` installs it (or set GHZ_BIN)`,
    );
  }
  const [serviceName, methodName] = options.method.split('/');
  const definition = loadSync(join(PROTO_ROOT, options.protoFile), PROTO_LOADER_OPTIONS);
  const { requestSerialize } = (definition[serviceName] as ServiceDefinition)[methodName];
  const requests = Writer.create();
  for (const request of options.requests) requests.bytes(requestSerialize(request));
  const dir = mkdtempSync(join(tmpdir(), 'rl-ghz-'));
  const dataFile = join(dir, 'requests.bin');
  writeFileSync(dataFile, requests.finish());
  const args = [
    '--insecure',
    '--proto',
    join(PROTO_ROOT, options.protoFile),
    '--import-paths',
    PROTO_ROOT,
    '--call',
    options.method,
    '--concurrency',
    String(options.concurrency),
    '--connections',
    '1',
    '--duration',
    `${options.seconds}s`,
    '--duration-stop',
    'wait',
    '--timeout',
    `${options.deadlineMs}ms`,
    '--binary-file',
    dataFile,
    '--metadata',
    JSON.stringify(options.metadata),
    '--disable-template-functions',
    '--disable-template-data',
    '--format',
    'json',
    options.address,
  ];
  return { run: () => runGhz(args, dir) };
}

function runGhz(args: string[], dir: string): Promise<GhzRun> {
  // bash reports its child's CPU time (`times`), which node cannot read once the process is gone.
  const child = spawn('bash', ['-c', '"$0" "$@"; status=$?; times >&2; exit $status', GHZ_BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise<GhzRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      rmSync(dir, { recursive: true, force: true });
      if (code !== 0) {
        reject(new Error(`ghz exited with ${code}: ${stderr.trim().slice(-2_000)}`));
        return;
      }
      const report = JSON.parse(stdout) as {
        total: number;
        statusCodeDistribution?: Record<string, number>;
        errorDistribution?: Record<string, number>;
        details?: { latency: number; status: string }[];
      };
      const okLatencies = (report.details ?? [])
        .filter((call) => call.status === 'OK')
        .map((call) => call.latency / 1e6)
        .sort((a, b) => a - b);
      // `times`: the shell's own user/system line, then its children's ("0m1.234s 0m0.567s").
      const children = stderr.trim().split('\n').at(-1) ?? '';
      const cpuSeconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce(
        (sum, [, minutes, secs]) => sum + Number(minutes) * 60 + Number(secs),
        0,
      );
      resolve({
        okLatencies,
        seconds: report.total / 1e9,
        byStatus: new Map(Object.entries(report.statusCodeDistribution ?? {})),
        errors: new Map(Object.entries(report.errorDistribution ?? {})),
        cpuSeconds,
      });
    });
  });
}

/** Deletes a consumer group the bench's service used (best effort: it may never have joined). */
export async function deleteConsumerGroup(groupId: string): Promise<void> {
  const kafkaAdmin = createKafka({
    clientId: 'bench',
    brokers: BROKERS,
    logger: pino({ level: 'error' }),
  }).admin();
  await kafkaAdmin.connect();
  try {
    await kafkaAdmin.deleteGroups([groupId]).catch(() => undefined);
  } finally {
    await kafkaAdmin.disconnect();
  }
}

/** A service the bench started as its own process (see {@link startServiceProcess}). */
export interface ServiceProcess {
  readonly httpUrl: string;
  readonly grpcAddress: string;
  readonly pid: number;
  /** The environment it runs with. */
  readonly env: Record<string, string>;
  exited(): boolean;
  /** Its last 40 log lines, for error messages. */
  logs(): string;
  /** SIGTERM, then SIGKILL after its grace period and 5 s more. */
  stop(): Promise<void>;
}

/**
 * The booking service as its own process for a bench that follows meetings too: on `databaseUrl`,
 * with room and user consumer groups of this run (deleted at the end) and this run's copies of the four
 * feeds it reads and writes (the session must have made all four); stopped at the end.
 */
export async function startBenchBookingService(
  session: BenchSession,
  databaseUrl: string,
  readyTimeoutMs?: number,
): Promise<ServiceProcess> {
  const groups = {
    rooms: `bench.${session.runId}.booking.rooms`,
    users: `bench.${session.runId}.booking.users`,
  };
  session.cleanup.add(() => deleteConsumerGroup(groups.rooms));
  session.cleanup.add(() => deleteConsumerGroup(groups.users));
  const service = await startServiceProcess(
    'booking',
    {
      DATABASE_URL: databaseUrl,
      ROOM_EVENTS_GROUP_ID: groups.rooms,
      USER_EVENTS_GROUP_ID: groups.users,
      ROOM_EVENTS_TOPIC: session.topic('room.events.v1'),
      BOOKING_EVENTS_TOPIC: session.topic('booking.events.v1'),
      MEETING_EVENTS_TOPIC: session.topic('meeting.events.v1'),
      USER_EVENTS_TOPIC: session.topic('user.events.v1'),
    },
    readyTimeoutMs,
  );
  session.cleanup.add(() => service.stop());
  return service;
}

/**
 * Starts `dist/services/<name>/src/main.js` as its own process, the way `npm start` does (the
 * environment from `infra/local/services.json`), on free ports with `overrides` applied, `LOG_LEVEL=warn`
 * and tracing off, and waits until `/health/ready` answers 200. `BENCH_SERVICE_NODE_FLAGS` adds node
 * flags (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 */
export async function startServiceProcess(
  name: string,
  overrides: Record<string, string>,
  readyTimeoutMs = 90_000,
): Promise<ServiceProcess> {
  const { services } = JSON.parse(readFileSync(join(ROOT, 'infra/local/services.json'), 'utf8')) as {
    services: { name: string; env: Record<string, string> }[];
  };
  const definition = services.find((service) => service.name === name);
  if (!definition) throw new Error(`infra/local/services.json has no ${name} service`);
  const [httpPort, grpcPort] = [await freePort(), await freePort()];
  const env: Record<string, string> = {
    ...definition.env,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: String(httpPort),
    GRPC_HOST: '127.0.0.1',
    GRPC_PORT: String(grpcPort),
    KAFKA_BROKERS: BROKERS.join(','),
    LOG_LEVEL: 'warn',
    OTEL_SDK_DISABLED: 'true',
    ...overrides,
  };
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_SERVICE_NODE_FLAGS ?? '').split(' ').filter(Boolean),
      ...serviceNodeArgs(ROOT, name),
    ],
    { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 40));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const graceMs = Number(env.SHUTDOWN_GRACE_MS ?? 10_000);
  const service: ServiceProcess = {
    httpUrl: `http://127.0.0.1:${httpPort}`,
    grpcAddress: `127.0.0.1:${grpcPort}`,
    pid: child.pid ?? -1,
    env,
    exited,
    logs: () => lines.map((line) => `  ${name}: ${line}`).join('\n'),
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited()) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), graceMs + 5_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
  const deadline = now() + readyTimeoutMs;
  for (;;) {
    if (exited()) {
      throw new Error(
        `the ${name} service exited during start-up (${child.exitCode ?? child.signalCode}):\n${service.logs()}`,
      );
    }
    const ready = await fetch(`${service.httpUrl}/health/ready`, { signal: AbortSignal.timeout(2_000) })
      .then((response) => response.ok)
      .catch(() => false);
    if (ready) return service;
    if (now() > deadline) {
      await service.stop();
      throw new Error(
        `the ${name} service was not ready within ${readyTimeoutMs / 1000} s:\n${service.logs()}`,
      );
    }
    await sleep(500);
  }
}

/** The room the benches teach the booking service through their own room topic (a bench room's name). */
export const roomEvent = (roomId: string, overrides: Record<string, unknown> = {}) =>
  roomRegisteredMessage(roomId, { name: `Bench room ${roomId}`, ...overrides });
