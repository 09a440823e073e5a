// The custom metrics every scenario shares. k6 tags each sample with the scenario that emitted it, so
// `bookings_booked{scenario:steady}` is the steady scenario's count.
import { Counter } from 'k6/metrics';

/** A booking decision answered with a booking: HTTP 201 or gRPC OK. */
export const booked = new Counter('bookings_booked');
/** Refused because the slot is taken: HTTP 409 slot_taken or gRPC FAILED_PRECONDITION. */
export const slotTaken = new Counter('bookings_slot_taken');
/** HTTP 5xx, or gRPC INTERNAL, UNKNOWN, UNAVAILABLE, DEADLINE_EXCEEDED, DATA_LOSS, UNIMPLEMENTED. */
export const serverErrors = new Counter('server_errors');
/** Any other refusal (HTTP 4xx other than 409 slot_taken, other gRPC codes). */
export const otherRefusals = new Counter('other_refusals');
/** Race room, checked after the run: slots with more than one booking (must be 0). */
export const doubleBooked = new Counter('race_slots_double_booked');
/** Race room, checked after the run: slots up to the last one raced for without any booking. */
export const unbooked = new Counter('race_slots_without_winner');
/** Race room: slots raced for (each must end with exactly one booking). */
export const slotsRaced = new Counter('race_slots_raced');

/** Counts one HTTP booking answer; returns its problem `code` (if any). */
export function countHttpBooking(response) {
  let code;
  if (response.status >= 400) {
    try {
      code = response.json('code');
    } catch {
      code = undefined;
    }
  }
  if (response.status === 201) booked.add(1);
  else if (response.status === 409 && code === 'slot_taken') slotTaken.add(1);
  else if (response.status >= 500 || response.status === 0)
    serverErrors.add(1, { status: String(response.status) });
  else otherRefusals.add(1, { status: String(response.status), code: String(code) });
  return code;
}

/** Counts any other HTTP answer (reads). */
export function countHttpRead(response) {
  if (response.status >= 500 || response.status === 0)
    serverErrors.add(1, { status: String(response.status) });
  else if (response.status >= 400) otherRefusals.add(1, { status: String(response.status) });
}
