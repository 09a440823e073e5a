// `npm start`: the local stack (if it is not up), a build, then all five services in the
// foreground with their JSON logs. Ctrl-C stops the services; `npm run stack:down` stops the stack.
// `npm start -- --no-rate-limits`: the same, with the gateway's rate limits off (RATE_LIMITS_ENABLED=false),
// for load tests and fuzzing of this local system (`npm run load`, `npm run fuzz`).
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { serviceNodeArgs } = createRequire(import.meta.url)('./service-node-args.cjs');
process.env.PATH = `${join(root, 'node_modules/.bin')}:${process.env.PATH ?? ''}`;
const { services } = JSON.parse(readFileSync(join(root, 'infra/local/services.json'), 'utf8'));

const options = new Set(process.argv.slice(2));
const noRateLimits = options.delete('--no-rate-limits');
if (options.size > 0) {
  console.error(`roomledger: unknown option(s): ${[...options].join(' ')} (known: --no-rate-limits)`);
  process.exit(64);
}
if (noRateLimits) {
  services.find((service) => service.name === 'gateway').env.RATE_LIMITS_ENABLED = 'false';
  console.error(
    'roomledger: --no-rate-limits: the gateway starts with RATE_LIMITS_ENABLED=false (local load tests only)',
  );
}

function step(title, command, args) {
  console.error(`roomledger: ${title}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`roomledger: ${title} failed (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
}

step('starting the local stack (infra/local/stack up)', 'bash', ['infra/local/stack', 'up']);
step('building the services', process.execPath, [
  join(root, 'node_modules/typescript/bin/tsc'),
  '-p',
  'tsconfig.build.json',
]);

const children = new Map();
let stopping = false;

for (const service of services) {
  const child = spawn(
    process.execPath,
    serviceNodeArgs(root, service.name),
    // Each service's own variables (infra/local/services.json) win over the shell's: they share one shell.
    { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...service.env } },
  );
  children.set(service.name, child);
  child.on('exit', (code, signal) => {
    children.delete(service.name);
    if (!stopping) {
      console.error(`roomledger: ${service.name} exited (${signal ?? code}); stopping the others`);
      stop(1);
    } else if (children.size === 0) {
      process.exit(process.exitCode ?? 0);
    }
  });
}

function stop(code) {
  if (stopping) return;
  stopping = true;
  process.exitCode = code;
  for (const child of children.values()) child.kill('SIGTERM');
  if (children.size === 0) process.exit(code);
  setTimeout(() => {
    for (const child of children.values()) child.kill('SIGKILL');
    process.exit(code || 1);
  }, 15_000).unref();
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

const gatewayEnv = services.find((service) => service.name === 'gateway').env;
const gateway = { http: gatewayEnv.HTTP_PORT, grpc: gatewayEnv.GRPC_PORT };
const deadline = Date.now() + 90_000;
while (!stopping && Date.now() < deadline) {
  try {
    const response = await fetch(`http://127.0.0.1:${gateway.http}/health/ready`, {
      signal: AbortSignal.timeout(2_000),
    });
    if (response.ok) {
      console.error(
        `\nroomledger is up: gateway http://127.0.0.1:${gateway.http} (gRPC 127.0.0.1:${gateway.grpc}); ` +
          `readiness http://127.0.0.1:${gateway.http}/health/ready; traces http://127.0.0.1:16686. ` +
          `${noRateLimits ? 'Rate limits are OFF. ' : ''}Ctrl-C stops the services.\n`,
      );
      break;
    }
  } catch {
    // not listening yet
  }
  await new Promise((resolve) => setTimeout(resolve, 1_000));
}
if (!stopping && Date.now() >= deadline) {
  console.error(
    'roomledger: the gateway did not report ready within 90 s; see the logs above (services keep running)',
  );
}
