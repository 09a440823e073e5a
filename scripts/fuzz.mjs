// `npm run fuzz`: Schemathesis (property-based API testing) against the gateway's OpenAPI document
// (http://127.0.0.1:3000/docs-json) of the local system that `npm start -- --no-rate-limits` runs.
//
// Installs schemathesis (pinned below) into a venv at ~/.cache/roomledger/venv on first use or when
// its version differs, checks that the gateway is ready with its rate limits off, registers a fresh
// member and a fresh admin (the local admin grants the role; the local admin itself is never fuzzed
// with, so fuzzing cannot deactivate, erase or demote it), and runs `st run --checks all` once per
// token: member, then admin. Prints each run's summary; exits non-zero when any run found failures.
//
// Settings: FUZZ_MAX_EXAMPLES (per operation, default 25), FUZZ_MAX_TIME (seconds per run, default 300),
// FUZZ_WORKERS (default 1), FUZZ_SEED (reproduce a run), FUZZ_AS (`member,admin` default, or one).
// Reports (JUnit XML) go to load/results/fuzz-<time>-<who>/ (gitignored).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cache, local, post, requireSystemWithoutRateLimits, root } from './load.mjs';

const SCHEMATHESIS_VERSION = '4.32.5';
const venv = join(cache, 'venv');
const st = join(venv, 'bin/st');
// Schemathesis and Hypothesis keep their example databases (.schemathesis/, .hypothesis/) in the working
// directory: here, outside the repository, so a later run starts from the failures an earlier one found.
const workDir = join(cache, 'fuzz');

// Every check runs (`--checks all`); two checks' lists of acceptable statuses are widened, nothing is excluded.
// - positive_data_acceptance fails a schema-valid request not answered 2xx/3xx/401/403/404/409/429/5xx.
//   412 and 422 join that list (as 409 already is) because here they refuse a well-formed request for the
//   server's *state*, which no schema can describe: 412 version_mismatch (If-Match is any string in the
//   schema; only the current ETag matches), 422 idempotency_key_reused (Schemathesis sends one
//   Idempotency-Key value with different requests, which the API refuses by contract) and 422
//   policy_violation (the room's rules and the clock: a start in the past is too_soon). A 400 for a
//   schema-valid request still fails, except on the operations of SEMANTIC_RULES below, each of which
//   has a rule between its fields that JSON Schema cannot state; there a 400 validation_failed is the
//   documented answer to breaking it (the other checks, 5xx and response conformance, stay as strict).
// - negative_data_rejection fails a schema-violating request that is not refused with one of its list.
//   413 (a body over BODY_LIMIT_BYTES, documented) and 431 (headers or URL over Node's limit, refused
//   before the gateway sees them) are refusals too; 431 being undocumented still fails
//   status_code_conformance. A 412 for a malformed request still fails.
// Server errors are not touched: not_a_server_error fails every 5xx.
const SEMANTIC_RULES = {
  bookRoom: 'end after start',
  holdRoom: 'end after start',
  changeBooking: 'the new end after the new (or kept) start',
  blockRoomForMaintenance: 'end after start, and in the future',
  findAlternatives: 'end after start',
  getRoomAvailability: 'to after from',
  listRoomBookings: 'to after from; a cursor is one this API issued',
  listMyBookings: 'to after from (default: now); a cursor is one this API issued',
  searchRooms: 'the free interval ends after it starts; a cursor is one this API issued',
  register: 'the password is not a common one and not the e-mail address',
  scheduleMeeting: 'end after start; a recurrence rule RFC 5545 accepts',
  updateMeeting: 'end after start; occurrenceStart names an occurrence',
  cancelMeeting: 'occurrenceStart names an occurrence',
  respondToMeeting: 'a proposal ends after it starts',
  listMyMeetings: 'to after from; a cursor is one this API issued',
  getFreeBusy: 'to after from',
  findMeetingTimes: 'the window ends after it starts and is at most 31 days',
  acceptMeetingProposal: 'one of attendeeUserId and attendeeEmail, not both',
  createWebhook: "the URL's host resolves, to a public address",
  listNotifications: 'a cursor is one this API issued',
  createRoom: 'seats at most capacity; amenities and accessibility are curated names or tag:<name>',
  updateRoom: 'seats at most capacity; amenities and accessibility are curated names or tag:<name>',
};
const ACCEPTED = ['2xx', '3xx', '401', '403', '404', '409', '412', '422', '429', '5xx'];
const list = (statuses) => `[${statuses.map((status) => `"${status}"`).join(', ')}]`;
const CONFIG = `[checks.positive_data_acceptance]
expected-statuses = ${list(ACCEPTED)}

[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "431", "5xx"]
${Object.entries(SEMANTIC_RULES)
  .map(
    ([operationId, rule]) => `
# ${operationId}: ${rule}
[[operations]]
include-operation-id = "${operationId}"
checks.positive_data_acceptance.expected-statuses = ${list([...ACCEPTED, '400'])}
`,
  )
  .join('')}`;

const positive = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`roomledger: ${name} must be a positive integer`);
    process.exit(64);
  }
  return value;
};
const maxExamples = positive('FUZZ_MAX_EXAMPLES', 25);
const maxTime = positive('FUZZ_MAX_TIME', 300);
const workers = positive('FUZZ_WORKERS', 1);
const who = (process.env.FUZZ_AS ?? 'member,admin').split(',').map((entry) => entry.trim());

function run(command, args, what) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], timeout: 600_000 });
  if (result.status !== 0) {
    console.error(
      `roomledger: ${what} failed (exit ${result.status ?? result.signal ?? result.error?.message})`,
    );
    process.exit(1);
  }
}

function installedVersion() {
  if (!existsSync(st)) return undefined;
  const result = spawnSync(st, ['--version'], { encoding: 'utf8', timeout: 60_000 });
  return /version (\S+)/.exec(result.stdout ?? '')?.[1];
}

function ensureSchemathesis() {
  const found = installedVersion();
  if (found === SCHEMATHESIS_VERSION) return;
  console.error(
    `roomledger: installing schemathesis ${SCHEMATHESIS_VERSION} into ${venv}` +
      (found ? ` (found ${found})` : ''),
  );
  if (!existsSync(join(venv, 'bin/python'))) run('python3', ['-m', 'venv', venv], 'python3 -m venv');
  run(
    join(venv, 'bin/python'),
    [
      '-m',
      'pip',
      'install',
      '--quiet',
      '--disable-pip-version-check',
      `schemathesis==${SCHEMATHESIS_VERSION}`,
    ],
    'pip install schemathesis',
  );
  if (installedVersion() !== SCHEMATHESIS_VERSION) {
    console.error(`roomledger: ${st} does not report version ${SCHEMATHESIS_VERSION} after installing it`);
    process.exit(1);
  }
}

/** Registers a fresh user and signs it in; with `adminToken`, makes it an admin first. */
async function freshUser(label, adminToken) {
  const stamp = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const email = `fuzz-${label}-${stamp}@example.com`;
  const password = `fuzz-password-${stamp}`;
  const registered = await post('/v1/auth/register', {
    email,
    name: `Fuzz ${label}`,
    password,
    timeZone: 'Europe/Berlin',
  });
  if (registered.status !== 201)
    throw new Error(`register ${email}: ${registered.status} ${JSON.stringify(registered.body)}`);
  if (adminToken) {
    const response = await fetch(`${local.baseUrl}/v1/users/${registered.body.id}/roles`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ roles: ['admin', 'member'] }),
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status !== 200)
      throw new Error(`make ${email} an admin: ${response.status} ${await response.text()}`);
  }
  const login = await post('/v1/auth/login', { email, password });
  if (login.status !== 200) throw new Error(`login ${email}: ${login.status} ${JSON.stringify(login.body)}`);
  return { email, token: login.body.accessToken };
}

/** One `st run` with one identity's token; resolves to its exit code. */
function schemathesis(label, token) {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const reportDir = join(root, `load/results/fuzz-${stamp}-${label}`);
  mkdirSync(reportDir, { recursive: true });
  const configFile = join(reportDir, 'schemathesis.toml');
  writeFileSync(configFile, CONFIG);
  const args = [
    '--config-file',
    configFile,
    'run',
    `${local.baseUrl}/docs-json`,
    '--header',
    `Authorization: Bearer ${token}`,
    '--checks',
    'all',
    '--max-examples',
    String(maxExamples),
    '--max-time',
    String(maxTime),
    '--workers',
    String(workers),
    '--request-timeout',
    '15',
    '--wait-for-schema',
    '15',
    '--report',
    'junit',
    '--report-dir',
    reportDir,
    ...(process.env.FUZZ_SEED ? ['--seed', process.env.FUZZ_SEED] : []),
  ];
  console.error(`\nroomledger: schemathesis as ${label}: st ${args.join(' ').replace(token, '<token>')}\n`);
  return new Promise((resolve) => {
    const child = spawn(st, args, { cwd: workDir, stdio: 'inherit', env: { ...process.env, NO_COLOR: '1' } });
    // A hard bound over --max-time: schemathesis gets its time plus two minutes to finish and report.
    const limit = setTimeout(
      () => {
        console.error(`roomledger: schemathesis as ${label} ran past ${maxTime + 120} s; stopping it`);
        child.kill('SIGTERM');
      },
      (maxTime + 120) * 1000,
    );
    child.on('exit', (code, signal) => {
      clearTimeout(limit);
      console.error(
        `roomledger: schemathesis as ${label}: exit ${code ?? signal}; JUnit report in ${reportDir}`,
      );
      resolve(code ?? 1);
    });
  });
}

ensureSchemathesis();
mkdirSync(workDir, { recursive: true });
const adminToken = await requireSystemWithoutRateLimits();
const identities = { member: () => freshUser('member'), admin: () => freshUser('admin', adminToken) };
const unknown = who.filter((entry) => !identities[entry]);
if (unknown.length > 0) {
  console.error(`roomledger: FUZZ_AS: unknown ${unknown.join(', ')} (member, admin)`);
  process.exit(64);
}
const results = [];
for (const label of who) {
  const user = await identities[label]();
  console.error(`roomledger: fuzzing as ${label} ${user.email}`);
  results.push({ label, code: await schemathesis(label, user.token) });
}
console.error(`\nroomledger: fuzz: ${results.map(({ label, code }) => `${label} exit ${code}`).join(', ')}`);
process.exit(results.some(({ code }) => code !== 0) ? 1 : 0);
