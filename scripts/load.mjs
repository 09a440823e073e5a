// `npm run load`: the k6 load run (load/run.js) against the local system that
// `npm start -- --no-rate-limits` runs. Checks first that the gateway is ready and that its rate
// limits are off (a limited run measures the limiter, not the system); exits with k6's exit code
// (99 when a threshold, i.e. a goal, failed). Extra arguments go to `k6 run`, e.g. `npm run load -- --quiet`.
// Settings: the LOAD_* variables of load/lib/config.js (see load/README.md).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const cache = process.env.ROOMLEDGER_CACHE ?? join(homedir(), '.cache/roomledger');
const START_FIRST = 'start the system first: npm start -- --no-rate-limits';

const { services } = JSON.parse(readFileSync(join(root, 'infra/local/services.json'), 'utf8'));
const envOf = (name) => services.find((service) => service.name === name).env;

/** The local system's addresses and admin, as infra/local/services.json sets them. */
export const local = {
  baseUrl: `http://127.0.0.1:${envOf('gateway').HTTP_PORT}`,
  grpcAddress: `127.0.0.1:${envOf('gateway').GRPC_PORT}`,
  adminEmail: envOf('user').ROOMLEDGER_ADMIN_EMAIL,
  adminPassword: envOf('user').ROOMLEDGER_ADMIN_PASSWORD,
};

function refuse(why) {
  console.error(`roomledger: ${why}\n${START_FIRST}`);
  process.exit(1);
}

/** POST a JSON body to the gateway; the parsed answer and its status. */
export async function post(path, body, token) {
  const response = await fetch(`${local.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/**
 * Exits 1 with "start the system first: ..." unless the gateway is ready and its rate limits are off
 * (an authenticated GET answers without RateLimit-Limit). Returns the local admin's access token.
 */
export async function requireSystemWithoutRateLimits() {
  try {
    const ready = await fetch(`${local.baseUrl}/health/ready`, { signal: AbortSignal.timeout(5_000) });
    if (!ready.ok)
      refuse(`the gateway at ${local.baseUrl} is not ready (GET /health/ready: ${ready.status})`);
  } catch (error) {
    refuse(`the gateway at ${local.baseUrl} does not answer (${error.cause?.code ?? error.message})`);
  }
  const login = await post('/v1/auth/login', { email: local.adminEmail, password: local.adminPassword });
  if (login.status !== 200) refuse(`the local admin cannot sign in (POST /v1/auth/login: ${login.status})`);
  const adminToken = login.body.accessToken;
  const me = await fetch(`${local.baseUrl}/v1/users/me`, {
    headers: { Authorization: `Bearer ${adminToken}` },
    signal: AbortSignal.timeout(5_000),
  });
  if (me.status !== 200) refuse(`GET /v1/users/me answered ${me.status}`);
  if (me.headers.has('ratelimit-limit')) {
    refuse(
      `the gateway's rate limits are on (GET /v1/users/me answered RateLimit-Limit: ${me.headers.get('ratelimit-limit')})`,
    );
  }
  return adminToken;
}

async function main() {
  const k6 = join(cache, 'bin/k6');
  if (!existsSync(k6)) {
    console.error(`roomledger: ${k6} is missing; build it with: bash infra/local/stack up`);
    process.exit(1);
  }
  await requireSystemWithoutRateLimits();
  mkdirSync(join(root, 'load/results'), { recursive: true });

  const child = spawn(k6, ['run', ...process.argv.slice(2), 'load/run.js'], {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      LOAD_BASE_URL: local.baseUrl,
      LOAD_GRPC_ADDRESS: local.grpcAddress,
      LOAD_ADMIN_EMAIL: local.adminEmail,
      LOAD_ADMIN_PASSWORD: local.adminPassword,
      // k6 reports anonymous usage to its makers by default: nothing leaves this machine.
      K6_NO_USAGE_REPORT: 'true',
    },
  });
  // Ctrl-C reaches k6 from the terminal itself (it then still prints the summary); SIGTERM is passed on.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (import.meta.main) await main();
