// Settings of a load run, from the environment (`k6 run -e NAME=value` or the process environment;
// `npm run load` passes them through). Every address must be on this machine: the run refuses others.

const int = (name, fallback) => {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
};

const LOOPBACK = /^(127(?:\.\d{1,3}){3}|localhost|\[::1\])$/;

function loopbackOnly(name, hostPort) {
  const host = hostPort.startsWith('[')
    ? hostPort.slice(0, hostPort.indexOf(']') + 1)
    : hostPort.split(':')[0];
  if (!LOOPBACK.test(host))
    throw new Error(`${name} must be a loopback address (127.0.0.1), got ${hostPort}`);
  return hostPort;
}

export const BASE_URL = __ENV.LOAD_BASE_URL || 'http://127.0.0.1:3000';
loopbackOnly('LOAD_BASE_URL', BASE_URL.replace(/^https?:\/\//, '').split('/')[0]);
export const GRPC_ADDRESS = loopbackOnly('LOAD_GRPC_ADDRESS', __ENV.LOAD_GRPC_ADDRESS || '127.0.0.1:50051');

export const ADMIN_EMAIL = __ENV.LOAD_ADMIN_EMAIL || 'admin@roomledger.local';
export const ADMIN_PASSWORD = __ENV.LOAD_ADMIN_PASSWORD || 'change-me-admin-password';

/** Rooms booked across by the steady and gRPC scenarios (plus one hot room and one race room). */
export const ROOMS = int('LOAD_ROOMS', 100);
/** Member users registered and logged in; the VUs share their tokens. */
export const MEMBERS = int('LOAD_MEMBERS', 4);
/** How long each scenario runs; they run one after another. */
export const SECONDS = int('LOAD_SECONDS', 20);
/** Concurrent VUs of each scenario (the search scenario always has one), at most 32. */
export const VUS = Math.min(32, int('LOAD_VUS', 16));
/** Only these scenarios (comma-separated names), e.g. `steady,grpc`; default all. */
export const ONLY = (__ENV.LOAD_SCENARIOS || '')
  .split(',')
  .map((name) => name.trim())
  .filter(Boolean);
/** Same-slot race: round i (slot i) starts this many ms after the scenario, so the VUs fire together. */
export const RACE_ROUND_MS = int('LOAD_RACE_ROUND_MS', 200);
/** `reflect` (default): the gateway's server reflection; `files`: the contracts' .proto files. */
export const GRPC_SCHEMA = __ENV.LOAD_GRPC_SCHEMA || 'reflect';
export const RESULTS_DIR = __ENV.LOAD_RESULTS_DIR || 'load/results';

// ---- the goals of the booking issue (never loosen one to make a run pass) ----------------------
export const GOALS = {
  /** Uncontended BookDirectly, decisions answered per second, and their p99 (ms). */
  uncontendedPerSecond: 1000,
  uncontendedP99Ms: 50,
  /** One hot room, decisions answered per second, with no internal error. */
  hotRoomPerSecond: 200,
  /** Room search, one call in flight, p95 (ms). */
  searchP95Ms: 20,
};

export const SLOT_MINUTES = 30;
export const MINUTE_MS = 60_000;
