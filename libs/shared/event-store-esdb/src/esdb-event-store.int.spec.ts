import { describeEventStoreContract } from '@roomledger/event-store/contract';
import { EsdbEventStore } from './esdb-event-store';

const connectionString = process.env.EVENTSTORE_CONNECTION_STRING;

/**
 * The contract against a real EventStoreDB server, e.g.
 * `EVENTSTORE_CONNECTION_STRING='esdb://127.0.0.1:2113?tls=false'`. Every test uses streams and
 * categories of its own, so a server with other data is fine.
 */
function describeEsdbContract(): void {
  describeEventStoreContract('EventStoreDB', async () => {
    const store = EsdbEventStore.fromConnectionString(connectionString as string);
    return { store, dispose: () => store.close() };
  });
}

if (connectionString) {
  describeEsdbContract();
} else {
  // The project's one permitted skip: there is no EventStoreDB server on machines without Docker.
  const reason =
    'EVENTSTORE_CONNECTION_STRING is not set; no EventStoreDB server is reachable on this machine';
  // Jest prints nothing for a file whose tests are all skipped, so say why where the run's log shows it.
  console.warn(`EventStoreDB contract skipped: ${reason}`);
  describe.skip(`EventStoreDB contract (skipped: ${reason})`, describeEsdbContract);
}
