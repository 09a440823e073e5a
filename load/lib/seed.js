// The data a load run needs, made through the gateway's public HTTP API only: the admin signs in,
// adds ROOMS rooms (+ a hot room and a race room) for this run, registers MEMBERS members and signs
// them in, then waits until the booking service and the room search know every room (both learn
// rooms from room.events.v1, so they lag the catalogue by a moment).
import http from 'k6/http';
import { sleep } from 'k6';
import { ADMIN_EMAIL, ADMIN_PASSWORD, BASE_URL, MEMBERS, MINUTE_MS, ROOMS } from './config.js';

const JSON_HEADERS = { 'Content-Type': 'application/json' };
const BATCH = 10;

export const auth = (token) => ({ headers: { ...JSON_HEADERS, Authorization: `Bearer ${token}` } });

function must(response, status, what) {
  if (response.status !== status) {
    throw new Error(
      `seed: ${what}: expected ${status}, got ${response.status} ${String(response.body).slice(0, 300)}`,
    );
  }
  return response;
}

function login(email, password) {
  const response = http.post(`${BASE_URL}/v1/auth/login`, JSON.stringify({ email, password }), {
    headers: JSON_HEADERS,
    tags: { name: 'POST /v1/auth/login' },
  });
  return must(response, 200, `login ${email}`).json('accessToken');
}

/** Runs the requests (k6 http.batch form) ten at a time; returns every response, in order. */
function inBatches(requests) {
  const responses = [];
  for (let i = 0; i < requests.length; i += BATCH)
    responses.push(...http.batch(requests.slice(i, i + BATCH)));
  return responses;
}

/** Polls until check(responses) is true or the deadline passes; throws with `what` then. */
function waitFor(what, seconds, poll) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const missing = poll();
    if (missing === 0) return;
    if (Date.now() > deadline) throw new Error(`seed: ${what}: still ${missing} missing after ${seconds} s`);
    sleep(0.5);
  }
}

export const iso = (ms) => new Date(ms).toISOString();

/**
 * Seeds one run. Returns { runId, t0, rooms, hotRoom, raceRoom, projectorRooms, memberTokens, adminToken }.
 * `t0` (ms) is midnight UTC two days ahead: every booking of the run starts at or after it.
 */
export function seed() {
  const runId = `load-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
  const ready = http.get(`${BASE_URL}/health/ready`, { tags: { name: 'GET /health/ready' } });
  must(ready, 200, 'gateway readiness (start the system first: npm start -- --no-rate-limits)');

  const adminToken = login(ADMIN_EMAIL, ADMIN_PASSWORD);

  // Rooms: policy-free (no opening hours: around the clock), capacity 8, Europe/Berlin; every other room
  // has a projector. `building` is the run id, so a search can be scoped to this run's rooms.
  const specs = [];
  for (let i = 0; i < ROOMS + 2; i++) {
    const label = i < ROOMS ? `room-${String(i).padStart(3, '0')}` : i === ROOMS ? 'hot' : 'race';
    specs.push({
      name: `${runId}-${label}`,
      building: runId,
      floor: String(i % 5),
      capacity: 8,
      timeZone: 'Europe/Berlin',
      amenities: i % 2 === 0 ? ['projector', 'whiteboard'] : ['whiteboard'],
    });
  }
  const created = inBatches(
    specs.map((spec) => ({
      method: 'POST',
      url: `${BASE_URL}/v1/rooms`,
      body: JSON.stringify(spec),
      params: { ...auth(adminToken), tags: { name: 'POST /v1/rooms' } },
    })),
  ).map((response, i) => must(response, 201, `create room ${specs[i].name}`).json('id'));
  const rooms = created.slice(0, ROOMS);
  const [hotRoom, raceRoom] = created.slice(ROOMS);

  const memberTokens = [];
  for (let i = 0; i < MEMBERS; i++) {
    const email = `${runId}-member-${i}@example.com`;
    const password = `load-run-password-${runId}-${i}`;
    const registered = http.post(
      `${BASE_URL}/v1/auth/register`,
      JSON.stringify({ email, name: `Load member ${i}`, password, timeZone: 'Europe/Berlin' }),
      { headers: JSON_HEADERS, tags: { name: 'POST /v1/auth/register' } },
    );
    must(registered, 201, `register ${email}`);
    memberTokens.push(login(email, password));
  }

  const day = 24 * 60 * MINUTE_MS;
  const t0 = Math.floor(Date.now() / day) * day + 2 * day;

  // The booking service knows a room once its availability answers 200 (404 room_unknown before).
  let pending = created.slice();
  waitFor('rooms known to the booking service', 60, () => {
    const answers = inBatches(
      pending.map((id) => ({
        method: 'GET',
        url: `${BASE_URL}/v1/rooms/${id}/availability?from=${iso(t0)}&to=${iso(t0 + day)}`,
        params: { ...auth(memberTokens[0]), tags: { name: 'GET /v1/rooms/{roomId}/availability' } },
      })),
    );
    pending = pending.filter((_, i) => answers[i].status !== 200);
    return pending.length;
  });

  // The search's read model knows them once a search by building finds them all.
  const projectorRooms = specs.filter((spec) => spec.amenities.includes('projector')).length;
  waitFor('rooms known to the room search', 60, () => {
    const response = http.get(
      `${BASE_URL}/v1/rooms?building=${runId}&amenities=projector&minCapacity=8&limit=200` +
        `&free=${encodeURIComponent(`${iso(t0)}/${iso(t0 + 60 * MINUTE_MS)}`)}`,
      { ...auth(memberTokens[0]), tags: { name: 'GET /v1/rooms' } },
    );
    return response.status === 200 ? projectorRooms - response.json('items').length : projectorRooms;
  });

  return { runId, t0, rooms, hotRoom, raceRoom, projectorRooms, memberTokens, adminToken };
}
