// roomledger load run: every scenario of load/scenarios, one after another, one summary.
//
//   npm run load                                   (checks the system, then runs this with k6)
//   ~/.cache/roomledger/bin/k6 run load/run.js     (the same without the checks)
//
// Settings (k6 -e NAME=value or the environment): see load/lib/config.js and load/README.md.
// The thresholds encode the booking issue's goals; a goal not met is a failed threshold (k6 exits 99).
import http from 'k6/http';
import { GOALS, ONLY, SECONDS, VUS } from './lib/config.js';
import { seed } from './lib/seed.js';
import { summarize } from './lib/summary.js';
import { checkRaceRoom } from './scenarios/hot-room.js';

export { steady } from './scenarios/steady.js';
export { hotRoom, hotSlotRace } from './scenarios/hot-room.js';
export { availability, search } from './scenarios/reads.js';
export { grpcBook } from './scenarios/grpc.js';

const GRACE_SECONDS = 5;
const duration = `${SECONDS}s`;

const ALL = [
  {
    name: 'steady',
    vus: VUS,
    scenario: { executor: 'constant-vus', vus: VUS, duration, exec: 'steady' },
    thresholds: {
      [`http_req_duration{scenario:steady}`]: {
        [`p(99)<${GOALS.uncontendedP99Ms}`]: `uncontended booking p99 < ${GOALS.uncontendedP99Ms} ms`,
      },
      [`bookings_booked{scenario:steady}`]: {
        [`count>=${GOALS.uncontendedPerSecond * SECONDS}`]: `uncontended >= ${GOALS.uncontendedPerSecond} decisions/s for ${SECONDS} s`,
      },
      [`checks{scenario:steady}`]: { 'rate==1': 'every distinct slot booked (201; a 409 fails)' },
      [`http_req_failed{scenario:steady}`]: { 'rate==0': 'no 5xx' },
    },
  },
  {
    name: 'hot_room',
    vus: VUS,
    scenario: { executor: 'constant-vus', vus: VUS, duration, exec: 'hotRoom' },
    thresholds: {
      [`bookings_booked{scenario:hot_room}`]: {
        [`count>=${GOALS.hotRoomPerSecond * SECONDS}`]: `one hot room >= ${GOALS.hotRoomPerSecond} decisions/s for ${SECONDS} s`,
      },
      [`server_errors{scenario:hot_room}`]: { 'count==0': 'hot room: 0 internal errors' },
      [`http_req_failed{scenario:hot_room}`]: { 'rate==0': 'hot room: no 5xx' },
      [`checks{scenario:hot_room}`]: { 'rate==1': 'every distinct free slot booked (201)' },
    },
  },
  {
    name: 'hot_slot_race',
    vus: VUS,
    scenario: {
      executor: 'per-vu-iterations',
      vus: VUS,
      iterations: 100_000,
      maxDuration: duration,
      exec: 'hotSlotRace',
    },
    thresholds: {
      [`server_errors{scenario:hot_slot_race}`]: { 'count==0': 'same-slot race: 0 internal errors' },
      [`http_req_failed{scenario:hot_slot_race}`]: { 'rate==0': 'same-slot race: no 5xx' },
      [`checks{scenario:hot_slot_race}`]: { 'rate==1': 'every answer 201 or 409 slot_taken' },
      race_slots_double_booked: { 'count==0': 'never double-booked: at most one booking per slot' },
      race_slots_without_winner: { 'count==0': 'exactly one winner per slot raced' },
    },
  },
  {
    name: 'availability',
    vus: VUS,
    scenario: { executor: 'constant-vus', vus: VUS, duration, exec: 'availability' },
    thresholds: {
      [`http_req_failed{scenario:availability}`]: { 'rate==0': 'availability: no 5xx' },
      [`checks{scenario:availability}`]: { 'rate==1': 'availability: every answer 200' },
    },
  },
  {
    name: 'search',
    vus: 1,
    scenario: { executor: 'constant-vus', vus: 1, duration, exec: 'search' },
    thresholds: {
      [`http_req_duration{scenario:search}`]: {
        [`p(95)<${GOALS.searchP95Ms}`]: `room search p95 < ${GOALS.searchP95Ms} ms (one in flight)`,
      },
      [`http_req_failed{scenario:search}`]: { 'rate==0': 'search: no 5xx' },
      [`checks{scenario:search}`]: { 'rate==1': 'search: every answer 200 and right' },
    },
  },
  {
    name: 'grpc',
    vus: VUS,
    grpc: true,
    scenario: { executor: 'constant-vus', vus: VUS, duration, exec: 'grpcBook' },
    thresholds: {
      [`grpc_req_duration{scenario:grpc}`]: {
        [`p(99)<${GOALS.uncontendedP99Ms}`]: `uncontended BookDirectly (gRPC) p99 < ${GOALS.uncontendedP99Ms} ms`,
      },
      [`bookings_booked{scenario:grpc}`]: {
        [`count>=${GOALS.uncontendedPerSecond * SECONDS}`]: `uncontended BookDirectly (gRPC) >= ${GOALS.uncontendedPerSecond}/s for ${SECONDS} s`,
      },
      [`server_errors{scenario:grpc}`]: { 'count==0': 'gRPC: 0 internal errors' },
      [`checks{scenario:grpc}`]: { 'rate==1': 'every distinct slot booked (OK)' },
    },
  },
];

const unknown = ONLY.filter((name) => !ALL.some((entry) => entry.name === name));
if (unknown.length > 0) throw new Error(`LOAD_SCENARIOS: unknown scenario(s) ${unknown.join(', ')}`);
const SELECTED = ONLY.length === 0 ? ALL : ALL.filter((entry) => ONLY.includes(entry.name));

// Figures the table shows for every scenario; a threshold list of [] only makes k6 keep the sub-metric.
const REPORTED = [
  'http_reqs',
  'http_req_duration',
  'bookings_booked',
  'bookings_slot_taken',
  'other_refusals',
  'server_errors',
  'checks',
];

const scenarios = {};
const thresholds = {};
const goals = {};
SELECTED.forEach((entry, index) => {
  scenarios[entry.name] = {
    ...entry.scenario,
    startTime: `${index * (SECONDS + GRACE_SECONDS)}s`,
    gracefulStop: `${GRACE_SECONDS}s`,
  };
  for (const name of entry.grpc ? [...REPORTED, 'grpc_req_duration'] : REPORTED) {
    thresholds[`${name}{scenario:${entry.name}}`] = [];
  }
  for (const [name, expressions] of Object.entries(entry.thresholds)) {
    thresholds[name] = Object.keys(expressions);
    for (const [expression, goal] of Object.entries(expressions)) goals[`${name} ${expression}`] = goal;
  }
});

export const options = {
  scenarios,
  thresholds,
  // 4xx are answers (409 slot_taken is the race's expected loss): http_req_failed counts 5xx and network errors.
  // The scenarios' checks decide which 4xx are wrong.
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'count'],
  setupTimeout: '180s',
  teardownTimeout: '60s',
};

http.setResponseCallback(http.expectedStatuses({ min: 200, max: 499 }));

export function setup() {
  return seed();
}

export function teardown(data) {
  if (SELECTED.some((entry) => entry.name === 'hot_slot_race')) checkRaceRoom(data);
}

export function handleSummary(data) {
  return summarize(
    data,
    SELECTED.map(({ name, vus, grpc }) => ({ name, vus, grpc })),
    goals,
  );
}
