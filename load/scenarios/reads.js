// (c) Read-heavy.
//
// availability: VUs ask GET /v1/rooms/{roomId}/availability for a random room of the run and a random
// day among the first four after t0 (the days the steady scenario filled), minDuration 30.
//
// search: ONE VU (one call in flight, as the goal states) asks GET /v1/rooms?minCapacity=..
// &amenities=projector&free=<start>/<end>&building=<run id> for a random hour among the same days:
// "rooms for N with a projector, free then, in this building" (the room-search benchmark's query).
// Goal: p95 < 20 ms.
import http from 'k6/http';
import { check } from 'k6';
import { BASE_URL, MINUTE_MS } from '../lib/config.js';
import { countHttpRead } from '../lib/metrics.js';
import { auth, iso } from '../lib/seed.js';
import { tokenFor } from './steady.js';

const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const pick = (count) => Math.floor(Math.random() * count);

export function availability(data) {
  const roomId = data.rooms[pick(data.rooms.length)];
  const from = data.t0 + pick(4) * DAY_MS;
  const response = http.get(
    `${BASE_URL}/v1/rooms/${roomId}/availability?from=${encodeURIComponent(iso(from))}` +
      `&to=${encodeURIComponent(iso(from + DAY_MS))}&minDuration=30`,
    { ...auth(tokenFor(data)), tags: { name: 'GET /v1/rooms/{roomId}/availability' } },
  );
  countHttpRead(response);
  check(response, {
    'availability 200 with busy and free': (r) =>
      r.status === 200 && Array.isArray(r.json('busy')) && Array.isArray(r.json('free')),
  });
}

export function search(data) {
  const freeFrom = data.t0 + pick(4 * 24) * HOUR_MS;
  const minCapacity = 1 + pick(8);
  const response = http.get(
    `${BASE_URL}/v1/rooms?minCapacity=${minCapacity}&amenities=projector` +
      `&free=${encodeURIComponent(`${iso(freeFrom)}/${iso(freeFrom + HOUR_MS)}`)}` +
      `&building=${data.runId}`,
    { ...auth(tokenFor(data)), tags: { name: 'GET /v1/rooms' } },
  );
  countHttpRead(response);
  check(response, {
    'search 200, only rooms with a projector': (r) =>
      r.status === 200 && r.json('items').every((room) => room.amenities.includes('projector')),
  });
}
