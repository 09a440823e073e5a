/// <reference types="jest" />
import { randomBytes, randomUUID } from 'node:crypto';
import type { EventStore, NewEvent, RecordedEvent, Subscription, SubscriptionBatch } from '..';

/** What the contract suite needs from an adapter's test file. */
export interface EventStoreContractSubject {
  readonly store: EventStore;
  /**
   * Optional, for stores whose global order can be broken by commit order (PostgreSQL): starts an append
   * in a transaction that stays open — holding an earlier global position — until `commit()`.
   */
  holdAppendOpen?(streamName: string, events: readonly NewEvent[]): Promise<HeldAppend>;
  dispose(): Promise<void>;
}

export interface HeldAppend {
  commit(): Promise<void>;
}

export type EventStoreContractFactory = () => Promise<EventStoreContractSubject>;

export type SubjectAccessor = () => EventStoreContractSubject;

/** A category of its own for one test, so tests never see each other's events. */
export function uniqueCategory(prefix: string): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

export function anEvent(type = 'SomethingHappened', data: Record<string, unknown> = {}): NewEvent {
  return { eventId: randomUUID(), type, data: { ...data }, metadata: {} };
}

export function someEvents(count: number, type = 'SomethingHappened'): NewEvent[] {
  return Array.from({ length: count }, (_, n) => anEvent(type, { n }));
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

export function idsOf(events: readonly { eventId?: string }[]): (string | undefined)[] {
  return events.map((event) => event.eventId);
}

/** Retries an assertion until it holds; for effects that arrive asynchronously (never a timing assertion). */
export async function waitFor<T>(assertion: () => T | Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/** Runs a subscription in the background and keeps what it delivered. */
export class SubscriptionRecorder {
  readonly batches: SubscriptionBatch[] = [];
  readonly events: RecordedEvent[] = [];
  failure: unknown;
  private readonly done: Promise<void>;

  constructor(
    readonly subscription: Subscription,
    private readonly onBatch?: (
      batch: SubscriptionBatch,
      recorder: SubscriptionRecorder,
    ) => Promise<void> | void,
  ) {
    this.done = (async () => {
      try {
        for await (const batch of subscription) {
          this.batches.push(batch);
          this.events.push(...batch.events);
          await this.onBatch?.(batch, this);
        }
      } catch (error) {
        this.failure = error;
      }
    })();
  }

  get caughtUp(): boolean {
    return this.batches.some((batch) => batch.caughtUp);
  }

  get lastCheckpoint(): string | undefined {
    return this.batches.at(-1)?.checkpoint;
  }

  async stop(): Promise<void> {
    await this.subscription.stop();
    await this.done;
    if (this.failure) throw this.failure;
  }

  /** Resolves when the subscription ended by itself (after `stop()` from a batch handler). */
  finished(): Promise<void> {
    return this.done;
  }
}
