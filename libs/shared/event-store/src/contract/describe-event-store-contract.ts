/// <reference types="jest" />
import { describeAppends } from './appends.contract';
import { describeLargeStream } from './large-stream.contract';
import { describeReads } from './reads.contract';
import { describeSubscriptions } from './subscriptions.contract';
import type { EventStoreContractFactory, EventStoreContractSubject } from './support';

/**
 * The event store contract: what every adapter must do, as one Jest suite. Call it from an adapter's
 * `*.int.spec.ts` with a factory that gives a store on a fresh database (and removes it in `dispose`).
 */
export function describeEventStoreContract(name: string, factory: EventStoreContractFactory): void {
  describe(`${name} event store contract`, () => {
    let subject: EventStoreContractSubject | undefined;
    const current = (): EventStoreContractSubject => {
      if (!subject) throw new Error('the event store under test was not created');
      return subject;
    };

    beforeAll(async () => {
      subject = await factory();
    });

    afterAll(async () => {
      await subject?.dispose();
    });

    describeAppends(current);
    describeReads(current);
    describeSubscriptions(current);
    // Last: it makes the store large, which the other groups need not wade through.
    describeLargeStream(current);
  });
}
