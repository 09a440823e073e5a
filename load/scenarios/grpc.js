// (d) gRPC: roomledger.booking.v1.BookingService/BookDirectly through the gateway's public gRPC port,
// the member's token in `authorization` metadata, with the same slot layout as the steady scenario
// (iteration n books room n mod ROOMS at slot floor(n / ROOMS)) but a year after t0, so the two never
// meet. Every answer should be OK. Goals as for steady: >= 1,000 decisions/s, p99 < 50 ms.
//
// The schema comes from the gateway's server reflection (default) or, with LOAD_GRPC_SCHEMA=files,
// from the contracts' .proto files.
import grpc from 'k6/net/grpc';
import { check } from 'k6';
import exec from 'k6/execution';
import { GRPC_ADDRESS, GRPC_SCHEMA, MINUTE_MS, SLOT_MINUTES } from '../lib/config.js';
import { booked, otherRefusals, serverErrors, slotTaken } from '../lib/metrics.js';
import { iso } from '../lib/seed.js';
import { tokenFor } from './steady.js';

const METHOD = 'roomledger.booking.v1.BookingService/BookDirectly';
const YEAR_MS = 365 * 24 * 60 * MINUTE_MS;
const SERVER_SIDE = new Set([
  grpc.StatusUnknown,
  grpc.StatusInternal,
  grpc.StatusUnavailable,
  grpc.StatusDeadlineExceeded,
  grpc.StatusDataLoss,
  grpc.StatusUnimplemented,
]);

const client = new grpc.Client();
if (GRPC_SCHEMA === 'files')
  client.load(['../../libs/contracts/proto'], 'roomledger/booking/v1/booking.proto');
let connected = false;

export function grpcBook(data) {
  if (!connected) {
    client.connect(GRPC_ADDRESS, { plaintext: true, reflect: GRPC_SCHEMA !== 'files', timeout: '10s' });
    connected = true;
  }
  const n = exec.scenario.iterationInTest;
  const rooms = data.rooms.length;
  const start = data.t0 + YEAR_MS + Math.floor(n / rooms) * SLOT_MINUTES * MINUTE_MS;
  const response = client.invoke(
    METHOD,
    {
      roomId: data.rooms[n % rooms],
      start: iso(start),
      end: iso(start + SLOT_MINUTES * MINUTE_MS),
      title: `${data.runId} grpc`,
    },
    { metadata: { authorization: `Bearer ${tokenFor(data)}` }, timeout: '10s' },
  );
  const status = response ? response.status : grpc.StatusUnknown;
  if (status === grpc.StatusOK) booked.add(1);
  else if (status === grpc.StatusFailedPrecondition) slotTaken.add(1);
  else if (SERVER_SIDE.has(status)) serverErrors.add(1, { status: String(status) });
  else otherRefusals.add(1, { status: String(status) });
  check(response, { 'booked (OK)': (r) => r && r.status === grpc.StatusOK }, { status: String(status) });
}
