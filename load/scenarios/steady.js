// (a) Steady booking across many rooms over HTTP: POST /v1/bookings, every request for a slot nobody
// else asks for, so every answer should be 201 (a 409 counts as a failed check).
//
// Slots: iteration n of the scenario (exec.scenario.iterationInTest, unique across its VUs) books room
// n mod ROOMS at slot floor(n / ROOMS) (30 minutes each, from t0). The VUs in flight at any moment hold
// consecutive n, so they book different rooms: the decisions are uncontended.
import http from 'k6/http';
import { check } from 'k6';
import exec from 'k6/execution';
import { BASE_URL, MINUTE_MS, SLOT_MINUTES } from '../lib/config.js';
import { countHttpBooking } from '../lib/metrics.js';
import { auth, iso } from '../lib/seed.js';

/** A member token for this VU (the VUs share the members). */
export const tokenFor = (data) => data.memberTokens[exec.vu.idInTest % data.memberTokens.length];

export function bookOverHttp(data, roomId, startMs, name) {
  const body = JSON.stringify({
    roomId,
    start: iso(startMs),
    end: iso(startMs + SLOT_MINUTES * MINUTE_MS),
    title: `${data.runId} ${name}`,
  });
  return http.post(`${BASE_URL}/v1/bookings`, body, {
    ...auth(tokenFor(data)),
    tags: { name: 'POST /v1/bookings' },
  });
}

export function steady(data) {
  const n = exec.scenario.iterationInTest;
  const rooms = data.rooms.length;
  const start = data.t0 + Math.floor(n / rooms) * SLOT_MINUTES * MINUTE_MS;
  const response = bookOverHttp(data, data.rooms[n % rooms], start, 'steady');
  const code = countHttpBooking(response);
  check(response, { 'booked (201)': (r) => r.status === 201 }, { code: String(code) });
}
