/**
 * Given/When/Then for deciders, after emmett's `DeciderSpecification`:
 *
 *   const given = DeciderSpecification.for(roomSchedule);
 *   given([policyApplied]).when(placeHold).then([holdPlaced]);
 *   given([holdPlaced]).when(overlappingHold).thenThrows(SlotTaken, (error) => error.conflicts.length === 1);
 *   given([holdExpired]).when(expireHold).thenNothingHappened();
 *
 * `given` folds the events with `evolve` from `initialState()`; `then` also folds the produced
 * events, so an `evolve` that cannot take them fails the specification too. Uses Jest's `expect`.
 */
export interface SpecifiedDecider<Command, Event, State> {
  decide(command: Command, state: State): Event | readonly Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

/** Any error class, whatever its constructor takes. */
type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;

export interface Then<Event> {
  /** The decision produced exactly these events, in this order. */
  then(expected: Event | readonly Event[]): void;
  /** The decision was refused with this error; the check may return false or use `expect` itself. */
  thenThrows<E extends Error>(errorType: ErrorClass<E>, check?: (error: E) => boolean | void): void;
  /** The decision was accepted and produced no events (an idempotent repeat). */
  thenNothingHappened(): void;
}

export interface When<Command, Event> {
  when(command: Command): Then<Event>;
}

const asList = <T>(value: T | readonly T[]): readonly T[] => (Array.isArray(value) ? value : [value as T]);

export const DeciderSpecification = {
  for<Command, Event, State>(
    decider: SpecifiedDecider<Command, Event, State>,
  ): (given?: Event | readonly Event[]) => When<Command, Event> {
    return (given = []) => ({
      when: (command) => {
        const fold = (state: State, events: readonly Event[]) =>
          events.reduce((current, event) => decider.evolve(current, event), state);
        const state = fold(decider.initialState(), asList(given));
        const run = () => asList(decider.decide(command, state));
        return {
          then: (expected) => {
            const events = run();
            expect(events).toEqual(asList(expected));
            fold(state, events);
          },
          thenThrows: (errorType, check) => {
            let events: readonly Event[];
            try {
              events = run();
            } catch (error) {
              expect(error).toBeInstanceOf(errorType);
              if (check) expect(check(error as never)).not.toBe(false);
              return;
            }
            throw new Error(
              `expected ${errorType.name} to be thrown, but the decision produced ${JSON.stringify(events)}`,
            );
          },
          thenNothingHappened: () => {
            expect(run()).toEqual([]);
          },
        };
      },
    });
  },
};
