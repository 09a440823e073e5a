// (b) One hot room, two ways.
//
// hot_room: every VU books the SAME room, each iteration a different free slot (iteration n of the
// scenario takes slot n): all decisions land on one room's schedule, none conflicts, every answer
// should be 201. Goal: >= 200 decisions/s with no internal error.
//
// hot_slot_race: the VUs race for the SAME slot of another room, round after round: iteration i of
// every VU asks for slot i at scenario start + i × LOAD_RACE_ROUND_MS (a VU that is early waits for the
// round, one that is late asks at once), so all VUs fire for a slot together and every VU asks for
// every slot from 0 on. Exactly one 201 per slot, every other answer 409 slot_taken; anything else
// fails the check, a 5xx fails the run. After the run, teardown lists the room's bookings and counts
// slots with more than one booking and slots (up to the last one booked) without any.
import http from 'k6/http';
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import { BASE_URL, MINUTE_MS, RACE_ROUND_MS, SLOT_MINUTES } from '../lib/config.js';
import { countHttpBooking, doubleBooked, slotsRaced, unbooked } from '../lib/metrics.js';
import { auth, iso } from '../lib/seed.js';
import { bookOverHttp } from './steady.js';

const SLOT_MS = SLOT_MINUTES * MINUTE_MS;

export function hotRoom(data) {
  const n = exec.scenario.iterationInTest;
  const response = bookOverHttp(data, data.hotRoom, data.t0 + n * SLOT_MS, 'hot room');
  const code = countHttpBooking(response);
  check(response, { 'booked (201)': (r) => r.status === 201 }, { code: String(code) });
}

export function hotSlotRace(data) {
  const slot = exec.vu.iterationInScenario;
  const wait = exec.scenario.startTime + slot * RACE_ROUND_MS - Date.now();
  if (wait > 0) sleep(wait / 1000);
  const response = bookOverHttp(data, data.raceRoom, data.t0 + slot * SLOT_MS, `race slot ${slot}`);
  const code = countHttpBooking(response);
  check(
    response,
    {
      'one winner: 201, or 409 slot_taken': (r) =>
        r.status === 201 || (r.status === 409 && code === 'slot_taken'),
    },
    { code: String(code) },
  );
}

/** All confirmed or held bookings of a room in [from, to), every page. */
function listBookings(data, roomId, from, to) {
  const items = [];
  let cursor = '';
  for (let page = 0; page < 1000; page++) {
    const response = http.get(
      `${BASE_URL}/v1/rooms/${roomId}/bookings?from=${encodeURIComponent(iso(from))}` +
        `&to=${encodeURIComponent(iso(to))}&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      { ...auth(data.adminToken), tags: { name: 'GET /v1/rooms/{roomId}/bookings' } },
    );
    if (response.status !== 200)
      throw new Error(`race check: list bookings: ${response.status} ${response.body}`);
    items.push(...response.json('items'));
    cursor = response.json('nextCursor');
    if (!cursor) return items;
  }
  throw new Error('race check: more than 1000 pages of bookings');
}

/**
 * After the run: every slot of the race room from t0 up to the last slot booked must hold exactly one
 * booking. Counts race_slots_raced, race_slots_double_booked and race_slots_without_winner.
 */
export function checkRaceRoom(data) {
  const from = data.t0;
  const to = data.t0 + 24 * 60 * 60 * 1000 * 365;
  let bookings = listBookings(data, data.raceRoom, from, to);
  // The list is a read: give it a moment to settle (the same count twice, half a second apart).
  for (let i = 0; i < 20; i++) {
    sleep(0.5);
    const again = listBookings(data, data.raceRoom, from, to);
    if (again.length === bookings.length) break;
    bookings = again;
  }
  const perSlot = new Map();
  for (const booking of bookings) {
    const slot = Math.round((Date.parse(booking.start) - data.t0) / SLOT_MS);
    perSlot.set(slot, (perSlot.get(slot) || 0) + 1);
  }
  const slots = perSlot.size === 0 ? 0 : Math.max(...perSlot.keys()) + 1;
  let doubles = 0;
  let empty = 0;
  for (let slot = 0; slot < slots; slot++) {
    const count = perSlot.get(slot) || 0;
    if (count > 1) doubles++;
    if (count === 0) empty++;
  }
  slotsRaced.add(slots);
  doubleBooked.add(doubles);
  unbooked.add(empty);
  console.log(
    `race room ${data.raceRoom}: ${bookings.length} bookings over ${slots} slots; ` +
      `${doubles} slot(s) with more than one, ${empty} without any`,
  );
}
