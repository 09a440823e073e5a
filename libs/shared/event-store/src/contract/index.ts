export { describeEventStoreContract } from './describe-event-store-contract';
export type { EventStoreContractFactory, EventStoreContractSubject, HeldAppend } from './support';
