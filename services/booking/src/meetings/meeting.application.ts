import {
  BUSY_RESPONSES,
  DAY_MS,
  MINUTE_MS,
  MeetingAlreadyExists,
  MeetingCancelledAlready,
  MeetingNotFound,
  NotFound,
  NotOrganizer,
  InvalidBookingState,
  ValidationFailed,
  attendeeKey,
  decideMeeting,
  evolveMeeting,
  expandSeries,
  generatedStarts,
  isoOf,
  merge,
  msOf,
  roomSchedule,
  type Actor,
  type AttendeeInput,
  type AttendeeRef,
  type EditScope,
  type IsoInstant,
  type MeetingChanges,
  type MeetingCommand,
  type MeetingDetails,
  type MeetingEvent,
  type MeetingRoom,
  type MeetingState,
  type Occurrence,
  type RecurrenceInput,
  type Reply,
  type RoomScheduleState,
  type ScheduledMeeting,
  type SeriesConflictPolicy,
  type SeriesOccurrence,
  type SkippedOccurrence,
  type TimeSpan,
  type Visibility,
} from '@roomledger/booking-domain';
import { isUuid, uuidV5 } from '@roomledger/event-store';
import type { BookingApplication, RequestContext } from '../booking.application';
import type { CalendarQueries } from './calendar.queries';
import { AttendeesBusy, MeetingVersionMismatch, type AttendeeBusy } from './meeting.errors';
import type { MeetingDecision, MeetingHandler } from './meeting.handler';
import { seriesEndOf } from './meeting-occurrences';

/** A meeting as the use cases answer it: its state and its version (stream revision + 1). */
export interface MeetingView {
  readonly meeting: Exclude<MeetingState, { status: 'none' }>;
  readonly version: number;
}

/** What a change did to the room. */
export interface RoomOutcome {
  readonly booked: number;
  readonly skipped: readonly (SkippedOccurrence & { alternatives: readonly Alternative[] })[];
  /** A series: booked up to here (the room's booking window); later occurrences as the window moves. */
  readonly bookedUntil?: IsoInstant;
}

export interface Alternative {
  readonly roomId: string;
  readonly start: string;
  readonly end: string;
}

export interface ScheduleMeetingInput {
  readonly meetingId?: string;
  readonly title: string;
  readonly description?: string;
  readonly organizerId?: string;
  readonly attendees: readonly AttendeeInput[];
  readonly roomId?: string;
  readonly start: string;
  readonly end: string;
  readonly timeZone: string;
  readonly recurrence?: RecurrenceInput;
  readonly reminderMinutes?: readonly number[];
  readonly visibility?: Visibility;
  readonly allowProposals?: boolean;
  readonly onConflict?: SeriesConflictPolicy;
  readonly strict?: boolean;
}

/** Domain changes, except the room: named by room id here, the booking is the saga's business. */
export type ChangesInput = Omit<MeetingChanges, 'room'> & { readonly roomId?: string | null };

export interface UpdateMeetingInput {
  readonly meetingId: string;
  readonly scope?: EditScope;
  readonly occurrenceStart?: string;
  readonly newMeetingId?: string;
  readonly changes: ChangesInput;
  readonly expectedVersion?: number;
  readonly onConflict?: SeriesConflictPolicy;
  readonly strict?: boolean;
}

export interface MeetingOutcome {
  readonly view: MeetingView;
  readonly continuation?: MeetingView;
  readonly attendeeConflicts: readonly AttendeeBusy[];
  readonly room?: RoomOutcome;
}

export interface MeetingApplicationOptions {
  readonly clock?: () => Date;
  /** How far ahead a series without booking window (or without end) is booked and checked (days). */
  readonly horizonDays?: number;
  /** Holds of the reservation pattern last this long (the meeting and the confirmation follow at once). */
  readonly holdSeconds?: number;
}

/** Ids the service chooses derive from the command id (and the meeting), so a repeated command names the same things. */
const MEETING_NAMESPACE = '8d3c2b1a-6f5e-4d7c-9b8a-1e2f3a4b5c6d';
const derived = (kind: string, ...parts: string[]) => uuidV5(`${kind}/${parts.join('/')}`, MEETING_NAMESPACE);

/** The booking of one occurrence of a room series: derived from the series id and the occurrence's original start. */
export const occurrenceBookingId = (seriesId: string, originalStart: IsoInstant): string =>
  derived('occurrence', seriesId, isoOf(msOf(originalStart)));

/** Compensations and clean-ups act for the organizer whoever started the change (so do background repairs). */
export const SYSTEM_ADMIN: Actor = { userId: 'system', roles: ['system', 'admin'] };

/** At most this many occurrences are checked against attendees' calendars. */
const MAX_CHECKED_OCCURRENCES = 200;
/** Alternatives are looked up for at most this many skipped occurrences. */
const MAX_ALTERNATIVE_LOOKUPS = 10;

/**
 * The meeting use cases. Meetings are decided on their own streams by the {@link MeetingHandler};
 * rooms only through the booking application (the room's stream stays the one consistency boundary),
 * in the order that leaves nothing wrong behind a crash:
 *
 * - **Scheduling with a room** (reservation pattern): hold the room (booking id derived from the
 *   meeting and the command), record the meeting, confirm the hold. A crash after the hold leaves a
 *   hold that expires by itself; a retry of the same command finds each step done and goes on.
 * - **A series with a room**: every occurrence inside the room's booking window in one `BookSeries`
 *   (one append for the room), then the meeting; if the meeting cannot be recorded, the occurrences
 *   are cancelled again. Later occurrences are booked by the series job as the window moves.
 * - **Changes** move the room first (reschedule, move, book anew), then the meeting; if the meeting
 *   refuses, the room is put back. **Cancellations** cancel the meeting first, then its bookings.
 * - **Answers** touch the meeting stream only.
 */
export class MeetingApplication {
  private readonly clock: () => Date;
  private readonly horizonDays: number;
  private readonly holdSeconds: number;

  constructor(
    private readonly meetings: MeetingHandler,
    private readonly bookings: BookingApplication,
    private readonly calendars: CalendarQueries,
    options: MeetingApplicationOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.horizonDays = options.horizonDays ?? 400;
    this.holdSeconds = options.holdSeconds ?? 120;
  }

  // ---------------------------------------------------------------------------------------------
  // Scheduling

  async schedule(context: RequestContext, input: ScheduleMeetingInput): Promise<MeetingOutcome> {
    if (input.meetingId !== undefined && !isUuid(input.meetingId))
      throw new ValidationFailed('meetingId', 'a UUID');
    const meetingId = input.meetingId ?? derived('meeting', context.commandId);
    const bookingId = input.roomId ? derived('room-booking', meetingId, context.commandId) : undefined;
    const room: MeetingRoom | undefined =
      input.roomId && bookingId ? { roomId: input.roomId, bookingId } : undefined;
    const command = this.meetingCommand(context, 'meeting', {
      type: 'ScheduleMeeting',
      data: {
        meetingId,
        title: input.title,
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.organizerId ? { organizerId: input.organizerId } : {}),
        attendees: input.attendees,
        ...(room ? { room } : {}),
        start: input.start,
        end: input.end,
        timeZone: input.timeZone,
        ...(input.recurrence ? { recurrence: input.recurrence } : {}),
        ...(input.reminderMinutes ? { reminderMinutes: input.reminderMinutes } : {}),
        ...(input.visibility ? { visibility: input.visibility } : {}),
        ...(input.allowProposals !== undefined ? { allowProposals: input.allowProposals } : {}),
      },
    });
    // Validate (and normalise) before anything touches a room: the decider on an empty stream.
    const [planned] = decideMeeting(command, { status: 'none' });
    const meeting = planned.data as MeetingDetails;
    // Strict: the calendars decide before the room is touched. Otherwise they are only reported, so
    // they are read while the room is being booked.
    const checking = this.attendeeConflicts(meeting, occurrencesOf(meeting, this.horizonEnd()));
    checking.catch(() => undefined);
    if (input.strict) {
      const busy = await checking;
      if (busy.length > 0) throw new AttendeesBusy(busy);
    }

    if (!room) {
      const decision = await this.recordNewMeeting(meetingId, command, context, meeting);
      return { view: viewOf(decision), attendeeConflicts: await checking };
    }
    if (meeting.recurrence) {
      const outcome = await this.bookOccurrences(context, 'series', meeting, room, input.onConflict);
      try {
        const decision = await this.recordNewMeeting(meetingId, command, context, meeting);
        return { view: viewOf(decision), attendeeConflicts: await checking, room: outcome };
      } catch (error) {
        await this.cancelSeriesBookings(context, room.bookingId, {});
        throw error;
      }
    }
    // The reservation pattern: hold, meeting, confirm.
    await this.bookings.placeHold(this.step(context, 'hold'), {
      roomId: room.roomId,
      start: meeting.start,
      end: meeting.end,
      title: meeting.title,
      organizerId: input.organizerId,
      bookingId: room.bookingId,
      meetingId,
      ttlSeconds: this.holdSeconds,
    });
    let decision: MeetingDecision;
    try {
      decision = await this.recordNewMeeting(meetingId, command, context, meeting);
    } catch (error) {
      await this.release(context, room, 'meeting_refused');
      throw error;
    }
    try {
      await this.bookings.confirm(this.step(context, 'confirm'), room.bookingId, undefined, room.roomId);
    } catch (error) {
      // The hold lapsed between two steps (a very slow or crashed first attempt): the meeting must not
      // claim a room it does not have.
      await this.meetings
        .handle(
          meetingId,
          this.systemCommand(context, 'undo', cancelOf(meetingId, 'the room could not be confirmed')),
        )
        .catch(() => undefined);
      throw error;
    }
    return { view: viewOf(decision), attendeeConflicts: await checking, room: { booked: 1, skipped: [] } };
  }

  /** Appends the meeting; a repeat of the same command (the meeting already there, same request) is its answer. */
  private async recordNewMeeting(
    meetingId: string,
    command: MeetingCommand,
    context: RequestContext,
    planned: MeetingDetails,
  ): Promise<MeetingDecision> {
    try {
      return await this.meetings.handle(meetingId, command, this.step(context, 'meeting'));
    } catch (error) {
      if (!(error instanceof MeetingAlreadyExists)) throw error;
      const { state, revision } = await this.meetings.load(meetingId);
      const same =
        state.status !== 'none' &&
        state.organizerId === planned.organizerId &&
        state.start === planned.start &&
        state.end === planned.end &&
        state.room?.bookingId === planned.room?.bookingId;
      if (!same) throw error;
      return { state, revision, events: [], firstRevision: revision + 1n, attempts: 1 };
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Changes

  async update(context: RequestContext, input: UpdateMeetingInput): Promise<MeetingOutcome> {
    const { state, revision } = await this.meetings.load(input.meetingId);
    const meeting = scheduledOrThrow(state, input.meetingId);
    expectVersion(input.meetingId, revision, input.expectedVersion);
    requireOrganizerOrAdmin(context.actor, meeting);
    const scope = input.scope ?? 'all';
    const { roomId: roomWanted, ...domainChanges } = input.changes;
    const newMeetingId =
      scope === 'following'
        ? (input.newMeetingId ?? derived('meeting', input.meetingId, context.commandId))
        : undefined;
    if (newMeetingId !== undefined && !isUuid(newMeetingId))
      throw new ValidationFailed('newMeetingId', 'a UUID');
    const occurrenceStart = input.occurrenceStart;
    const updateOf = (changes: MeetingChanges, step: string): MeetingCommand =>
      this.meetingCommand(context, step, {
        type: 'UpdateMeeting',
        data: {
          meetingId: input.meetingId,
          scope,
          ...(occurrenceStart !== undefined ? { occurrenceStart } : {}),
          ...(newMeetingId ? { newMeetingId } : {}),
          changes,
        },
      });

    // Dry run without the room: validation and the resulting time, before any room is touched.
    const planned = decideMeeting(updateOf(domainChanges, 'meeting'), state);
    const after = planned.reduce(evolveMeeting, state as MeetingState);
    const continuation = planned.find((event) => event.type === 'SeriesSplit')?.data.continuation;
    const changedMeeting: MeetingDetails | undefined =
      continuation ?? (after.status === 'scheduled' ? after : undefined);
    const timeChanged = planned.some(
      (event) => 'timeChanged' in event.data && (event.data as { timeChanged: boolean }).timeChanged,
    );

    const checkedMeeting = changedMeeting ?? meeting;
    const attendeeConflicts = timeChanged
      ? await this.attendeeConflicts(
          checkedMeeting,
          scope === 'this' && occurrenceStart !== undefined
            ? occurrencesOf(after as MeetingDetails, this.horizonEnd()).filter(
                (o) => msOf(o.originalStart) === msOf(occurrenceStart),
              )
            : occurrencesOf(checkedMeeting, this.horizonEnd()),
        )
      : [];
    if (input.strict && attendeeConflicts.length > 0) throw new AttendeesBusy(attendeeConflicts);

    const plan =
      scope === 'this'
        ? await this.planOccurrenceRoom(context, meeting, after, occurrenceStart, roomWanted, timeChanged)
        : meeting.recurrence || changedMeeting?.recurrence
          ? await this.planSeriesRoom(context, meeting, changedMeeting, {
              scope,
              occurrenceStart,
              roomWanted,
              timeChanged,
              onConflict: input.onConflict,
            })
          : await this.planMeetingRoom(context, meeting, after, roomWanted, timeChanged);

    let decision: MeetingDecision;
    try {
      decision = await this.meetings.handle(
        input.meetingId,
        updateOf(plan.room === undefined ? domainChanges : { ...domainChanges, room: plan.room }, 'meeting'),
        {
          ...this.step(context, 'meeting'),
          expectRevision: (current) => expectVersion(input.meetingId, current, input.expectedVersion),
        },
      );
    } catch (error) {
      await plan.undo().catch(() => undefined);
      throw error;
    }
    await plan.afterwards().catch(() => undefined);
    const continued =
      scope === 'following' ? await this.continueSeries(context, decision, newMeetingId) : undefined;
    return {
      view: viewOf(decision),
      ...(continued ? { continuation: continued } : {}),
      attendeeConflicts,
      ...(plan.outcome ? { room: plan.outcome } : {}),
    };
  }

  /**
   * Starts the series a `following` edit split off, in its own stream (`ContinueSeries`). The split
   * carries the whole new series, so this is safe to repeat: a retry of the edit sends it again and
   * the decider writes nothing the second time.
   */
  private async continueSeries(
    context: RequestContext,
    decision: MeetingDecision,
    newMeetingId: string | undefined,
  ): Promise<MeetingView | undefined> {
    const split = decision.events.find((event) => event.type === 'SeriesSplit');
    if (!split && newMeetingId) {
      // A repeated command: the split was written by the first attempt; find it in the stream's state.
      const existing = await this.meetings.load(newMeetingId);
      return existing.state.status === 'none' ? undefined : viewOf({ ...existing, events: [] });
    }
    if (split?.type !== 'SeriesSplit') return undefined;
    const continuation = split.data.continuation.meetingId;
    const started = await this.meetings.handle(
      continuation,
      this.systemCommand(context, 'continue', { type: 'ContinueSeries', data: { split: split.data } }),
      this.step(context, 'continue'),
    );
    return viewOf(started);
  }

  async cancel(
    context: RequestContext,
    input: {
      meetingId: string;
      scope?: EditScope;
      occurrenceStart?: string;
      message?: string;
      expectedVersion?: number;
    },
  ): Promise<MeetingView> {
    const before = await this.meetings.load(input.meetingId);
    const command = this.meetingCommand(context, 'meeting', {
      type: 'CancelMeeting',
      data: {
        meetingId: input.meetingId,
        ...(input.scope ? { scope: input.scope } : {}),
        ...(input.occurrenceStart !== undefined ? { occurrenceStart: input.occurrenceStart } : {}),
        ...(input.message !== undefined ? { message: input.message } : {}),
      },
    });
    const decision = await this.meetings.handle(input.meetingId, command, {
      ...this.step(context, 'meeting'),
      expectRevision: (current) => expectVersion(input.meetingId, current, input.expectedVersion),
    });
    // The meeting no longer claims the time; now its bookings go (a retry repeats this harmlessly).
    if (before.state.status !== 'none')
      await this.releaseRooms(context, before.state, decision.events, input);
    return viewOf(decision);
  }

  private async releaseRooms(
    context: RequestContext,
    meeting: MeetingDetails,
    events: readonly MeetingEvent[],
    input: { scope?: EditScope; occurrenceStart?: string },
  ): Promise<void> {
    const scope = input.scope ?? 'all';
    const truncated = events.find((event) => event.type === 'SeriesTruncated');
    const cancelledAll = events.some((event) => event.type === 'MeetingCancelled') || scope === 'all';
    if (!meeting.room && meeting.overrides.every((o) => !o.room)) return;
    if (scope === 'this' && input.occurrenceStart !== undefined) {
      const occurrence = occurrenceAt(meeting, input.occurrenceStart);
      const booking = occurrence && occurrenceBooking(meeting, occurrence);
      if (booking) await this.release(context, booking, 'meeting_cancelled');
      return;
    }
    if (!meeting.recurrence) {
      if (meeting.room) await this.release(context, meeting.room, 'meeting_cancelled');
      return;
    }
    const from =
      truncated?.type === 'SeriesTruncated'
        ? truncated.data.originalStart
        : scope === 'following' && input.occurrenceStart !== undefined && !cancelledAll
          ? isoOf(msOf(input.occurrenceStart))
          : undefined;
    if (meeting.room)
      await this.cancelSeriesBookings(context, meeting.room.bookingId, {
        ...(from ? { fromStart: from } : {}),
        meeting,
      });
    for (const override of meeting.overrides) {
      if (!override.room || override.room.bookingId === meeting.room?.bookingId) continue;
      if (from && msOf(override.originalStart) < msOf(from)) continue;
      await this.release(context, override.room, 'meeting_cancelled');
    }
  }

  async respond(
    context: RequestContext,
    input: {
      meetingId: string;
      response: Reply;
      comment?: string;
      occurrenceStart?: string;
      proposal?: TimeSpan;
      attendee?: AttendeeRef;
    },
  ): Promise<MeetingView> {
    const decision = await this.meetings.handle(
      input.meetingId,
      this.meetingCommand(context, 'meeting', {
        type: 'RespondToInvitation',
        data: {
          meetingId: input.meetingId,
          response: input.response,
          ...(input.attendee ? { attendee: input.attendee } : {}),
          ...(input.occurrenceStart !== undefined ? { occurrenceStart: input.occurrenceStart } : {}),
          ...(input.comment !== undefined ? { comment: input.comment } : {}),
          ...(input.proposal ? { proposal: input.proposal } : {}),
        },
      }),
      this.step(context, 'meeting'),
    );
    return viewOf(decision);
  }

  /** The organizer takes a proposal: the room booking moves to the proposed time first, then the meeting. */
  async acceptProposal(
    context: RequestContext,
    input: { meetingId: string; attendee: AttendeeRef; occurrenceStart?: string; expectedVersion?: number },
  ): Promise<MeetingView> {
    const { state, revision } = await this.meetings.load(input.meetingId);
    const meeting = scheduledOrThrow(state, input.meetingId);
    expectVersion(input.meetingId, revision, input.expectedVersion);
    const command = this.meetingCommand(context, 'meeting', {
      type: 'AcceptProposal',
      data: {
        meetingId: input.meetingId,
        attendee: input.attendee,
        ...(input.occurrenceStart !== undefined ? { occurrenceStart: input.occurrenceStart } : {}),
      },
    });
    // Refusals (not the organizer, no proposal) before the room moves.
    const planned = decideMeeting(command, state);
    const after = planned.reduce(evolveMeeting, state as MeetingState);
    const plan =
      input.occurrenceStart !== undefined
        ? await this.planOccurrenceRoom(context, meeting, after, input.occurrenceStart, undefined, true)
        : await this.planMeetingRoom(context, meeting, after, undefined, true);
    let decision: MeetingDecision;
    try {
      decision = await this.meetings.handle(input.meetingId, command, {
        ...this.step(context, 'meeting'),
        expectRevision: (current) => expectVersion(input.meetingId, current, input.expectedVersion),
      });
    } catch (error) {
      await plan.undo().catch(() => undefined);
      throw error;
    }
    return viewOf(decision);
  }

  /** Strongly consistent; a private meeting is not found for anyone outside it. */
  async get(viewer: Actor, meetingId: string): Promise<MeetingView> {
    const loaded = await this.meetings.load(meetingId);
    if (loaded.state.status === 'none') throw new MeetingNotFound(meetingId);
    const key = attendeeKey({ userId: viewer.userId });
    if (loaded.state.visibility === 'private' && !loaded.state.attendees.some((a) => attendeeKey(a) === key))
      throw new MeetingNotFound(meetingId);
    return viewOf({ ...loaded, events: [] });
  }

  /**
   * The series job's step for one meeting: books, in one decision, the occurrences after the last one
   * decided (`consideredUntil`) up to the end of the room's booking window, skipping taken ones (which
   * the meeting feed reports to the organizer as `occurrence-conflicted`). Fixed command ids per
   * series and range, so several instances running it at once book each occurrence once.
   */
  async extendSeries(
    meeting: ScheduledMeeting,
    consideredUntil: number | undefined,
  ): Promise<RoomOutcome | undefined> {
    const room = meeting.room;
    if (!room || !meeting.recurrence) return undefined;
    const from = Math.max(this.clock().getTime(), (consideredUntil ?? msOf(meeting.start) - 1) + 1);
    const occurrences = await this.seriesOccurrences(meeting, room, from);
    if (occurrences.length === 0) return undefined;
    const last = occurrences[occurrences.length - 1];
    const context: RequestContext = {
      actor: SYSTEM_ADMIN,
      commandId: `extend-series:${room.bookingId}:${occurrences[0].start}:${last.start}`,
    };
    return this.bookOccurrences(context, 'series', meeting, room, 'skip-conflicts', occurrences);
  }

  // ---------------------------------------------------------------------------------------------
  // Room plans: what to do to the room before the meeting changes, and how to undo it

  /** A meeting without recurrence: reschedule, move, give up or take a room. */
  private async planMeetingRoom(
    context: RequestContext,
    before: ScheduledMeeting,
    after: MeetingState,
    roomWanted: string | null | undefined,
    timeChanged: boolean,
  ): Promise<RoomPlan> {
    if (after.status !== 'scheduled') return noPlan();
    const current = before.room;
    const target = roomWanted === undefined ? current?.roomId : (roomWanted ?? undefined);
    const slot = { start: after.start, end: after.end };
    const old = { start: before.start, end: before.end };
    if (current && target) return this.shiftRoomBooking(context, current, target, slot, old, timeChanged);
    if (current && !target) {
      return {
        room: null,
        undo: async () => undefined,
        afterwards: () => this.release(context, current, 'meeting_changed'),
      };
    }
    if (!current && target) {
      const bookingId = derived('room-booking', before.meetingId, context.commandId);
      await this.bookings.bookDirectly(this.step(context, 'room'), {
        roomId: target,
        ...slot,
        title: after.title,
        organizerId: before.organizerId === context.actor.userId ? undefined : before.organizerId,
        bookingId,
        meetingId: before.meetingId,
      });
      return {
        room: { roomId: target, bookingId },
        undo: () => this.release(context, { roomId: target, bookingId }, 'meeting_refused'),
        afterwards: async () => undefined,
        outcome: { booked: 1, skipped: [] },
      };
    }
    return noPlan();
  }

  /** Scope `this`: the occurrence's own booking follows its new time or room. */
  private async planOccurrenceRoom(
    context: RequestContext,
    before: ScheduledMeeting,
    after: MeetingState,
    occurrenceStart: string | undefined,
    roomWanted: string | null | undefined,
    timeChanged: boolean,
  ): Promise<RoomPlan> {
    if (occurrenceStart === undefined || after.status !== 'scheduled') return noPlan();
    const was = occurrenceAt(before, occurrenceStart);
    const now = occurrenceAt(after, occurrenceStart);
    if (!was || !now) return noPlan();
    let booking = occurrenceBooking(before, was);
    if (booking && !(await this.bookingIsLive(booking))) {
      // Not booked (skipped, or beyond the booking window): with its room unchanged the series job
      // books it (at its new time) when the window reaches it; another room is booked now.
      if (roomWanted === undefined) return noPlan();
      booking = undefined;
    }
    const target = roomWanted === undefined ? booking?.roomId : (roomWanted ?? undefined);
    const slot = { start: now.start, end: now.end };
    const old = { start: was.start, end: was.end };
    if (!booking && !target) return roomWanted === null ? { ...noPlan(), room: null } : noPlan();
    if (booking && target) return this.shiftRoomBooking(context, booking, target, slot, old, timeChanged);
    if (booking && !target)
      return {
        room: null,
        undo: async () => undefined,
        afterwards: () => this.release(context, booking, 'meeting_changed'),
      };
    if (!booking && target) {
      const bookingId = derived('room-booking', before.meetingId, occurrenceStart, context.commandId);
      await this.bookings.bookDirectly(this.step(context, 'room'), {
        roomId: target,
        ...slot,
        title: now.title,
        organizerId: before.organizerId === context.actor.userId ? undefined : before.organizerId,
        bookingId,
        meetingId: before.meetingId,
      });
      return {
        room: { roomId: target, bookingId },
        undo: () => this.release(context, { roomId: target, bookingId }, 'meeting_refused'),
        afterwards: async () => undefined,
        outcome: { booked: 1, skipped: [] },
      };
    }
    return noPlan();
  }

  /**
   * Scopes `all` and `following` of a series: when its time, rule or room changes, the occurrences
   * from the change on are booked again as a new room series (after a dry run of `BookSeries` on the
   * room's state without the old ones, so a refusal changes nothing), then the old bookings go.
   * Without such a change the bookings stay (a split series keeps its room and series id).
   */
  private async planSeriesRoom(
    context: RequestContext,
    before: ScheduledMeeting,
    changed: MeetingDetails | undefined,
    options: {
      scope: EditScope;
      occurrenceStart?: string;
      roomWanted: string | null | undefined;
      timeChanged: boolean;
      onConflict?: SeriesConflictPolicy;
    },
  ): Promise<RoomPlan> {
    if (!changed) return noPlan();
    const current = before.room;
    const target = options.roomWanted === undefined ? current?.roomId : (options.roomWanted ?? undefined);
    const roomChanged = target !== current?.roomId;
    if (!roomChanged && !options.timeChanged) return noPlan();
    const now = this.clock().getTime();
    const splitAt =
      options.scope === 'following' && options.occurrenceStart !== undefined
        ? isoOf(msOf(options.occurrenceStart))
        : undefined;
    const old = current
      ? ownOccurrences(
          before,
          current.bookingId,
          await this.bookings.seriesBookings(current.bookingId, {
            ...(splitAt ? { fromStart: splitAt } : {}),
            endingAfter: isoOf(now),
          }),
        )
      : [];
    if (!target) {
      return {
        room: current ? null : undefined,
        undo: async () => undefined,
        afterwards: async () => {
          for (const booking of old) await this.release(context, roomOf(booking), 'meeting_changed');
        },
      };
    }
    const seriesId = derived('series', changed.meetingId, context.commandId);
    const room = { roomId: target, bookingId: seriesId };
    const from = Math.max(now, splitAt ? msOf(splitAt) : now);
    const occurrences = await this.seriesOccurrences({ ...changed, room }, room, from);
    if (occurrences.length === 0) {
      return {
        room,
        undo: async () => undefined,
        afterwards: async () => {
          for (const booking of old) await this.release(context, roomOf(booking), 'meeting_changed');
        },
        outcome: { booked: 0, skipped: [] },
      };
    }
    const onConflict = options.onConflict ?? 'all-or-nothing';
    // Dry run on the room's state as it will be once the old occurrences are gone.
    const { state } = await this.bookings.roomSchedule(target);
    const withoutOld = old
      .filter((booking) => booking.roomId === target)
      .reduce<RoomScheduleState>(
        (room, booking) =>
          roomSchedule.evolve(room, {
            type: 'BookingCancelled',
            data: {
              roomId: target,
              bookingId: booking.id,
              start: booking.start,
              end: booking.end,
              organizerId: booking.organizerId,
              version: booking.version + 1,
              previousStatus: booking.status === 'held' ? 'held' : 'confirmed',
              cancelledBy: context.actor.userId,
              occurredAt: isoOf(now),
            },
          }),
        state,
      );
    roomSchedule.decide(
      {
        type: 'BookSeries',
        data: {
          seriesId,
          title: changed.title,
          organizerId: before.organizerId,
          meetingId: changed.meetingId,
          onConflict,
          occurrences,
        },
        metadata: { commandId: `${context.commandId}/dry-run`, actor: SYSTEM_ADMIN, now: isoOf(now) },
      },
      withoutOld,
    );
    for (const booking of old) await this.release(context, roomOf(booking), 'meeting_changed');
    const outcome = await this.bookOccurrences(
      context,
      'series',
      { ...changed, room },
      room,
      onConflict,
      occurrences,
    );
    return {
      room,
      undo: () => this.cancelSeriesBookings(context, seriesId, {}),
      afterwards: async () => undefined,
      outcome,
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  /**
   * Books a series' occurrences in the room in one `BookSeries`: those from `fromMs` (default now)
   * up to the end of the room's booking window (or the horizon), at most 500.
   */
  private async bookOccurrences(
    context: RequestContext,
    step: string,
    meeting: MeetingDetails,
    room: MeetingRoom,
    onConflict: SeriesConflictPolicy = 'all-or-nothing',
    occurrences?: readonly SeriesOccurrence[],
  ): Promise<RoomOutcome> {
    const list = occurrences ?? (await this.seriesOccurrences(meeting, room, this.clock().getTime()));
    const bookedUntil = list[list.length - 1]?.start;
    if (list.length === 0) return { booked: 0, skipped: [], ...(bookedUntil ? { bookedUntil } : {}) };
    const result = await this.bookings.bookSeries(this.step(context, step), {
      roomId: room.roomId,
      seriesId: room.bookingId,
      title: meeting.title,
      organizerId: meeting.organizerId,
      meetingId: meeting.meetingId,
      onConflict,
      occurrences: list,
    });
    const skipped = [];
    for (const [index, occurrence] of result.skipped.entries()) {
      const alternatives =
        index < MAX_ALTERNATIVE_LOOKUPS
          ? await this.bookings.alternatives(room.roomId, occurrence, 3).catch(() => [])
          : [];
      skipped.push({ ...occurrence, alternatives });
    }
    return {
      booked: result.repeated ? list.length - skipped.length : result.booked.length,
      skipped,
      ...(bookedUntil ? { bookedUntil } : {}),
    };
  }

  /** The occurrences to book now: from `fromMs` (and the room's notice) to the end of its booking window. */
  private async seriesOccurrences(
    meeting: MeetingDetails,
    room: MeetingRoom,
    fromMs: number,
  ): Promise<SeriesOccurrence[]> {
    const policy = await this.bookings.roomPolicy(room.roomId);
    const now = this.clock().getTime();
    const earliest = Math.max(fromMs, now + policy.minNoticeMinutes * MINUTE_MS);
    const windowEnd =
      policy.bookingWindowDays === null ? this.horizonEnd() : now + policy.bookingWindowDays * DAY_MS;
    const { occurrences } = expandSeries(
      meeting,
      { from: isoOf(earliest), to: isoOf(windowEnd + 1) },
      { maxOccurrences: 500 },
    );
    return occurrences
      .filter((o) => msOf(o.start) >= earliest && msOf(o.start) <= windowEnd)
      .filter((o) => !o.room || o.room.bookingId === room.bookingId)
      .map((o) => ({
        bookingId: occurrenceBookingId(room.bookingId, o.originalStart),
        start: o.start,
        end: o.end,
      }));
  }

  /**
   * Cancels the live bookings of a room series (from `fromStart` on), one decision each; with
   * `meeting`, only that meeting's own occurrences (a series and the one split off it share a series id).
   */
  private async cancelSeriesBookings(
    context: RequestContext,
    seriesId: string,
    options: { fromStart?: string; meeting?: MeetingDetails },
  ): Promise<void> {
    const live = await this.bookings.seriesBookings(seriesId, {
      ...(options.fromStart ? { fromStart: options.fromStart } : {}),
      endingAfter: this.clock().toISOString(),
    });
    const own = options.meeting ? ownOccurrences(options.meeting, seriesId, live) : live;
    for (const booking of own) await this.release(context, roomOf(booking), 'meeting_cancelled');
  }

  /** Cancels one booking for the meeting; one already gone (cancelled, expired, ended) is fine. */
  private async release(context: RequestContext, booking: MeetingRoom, reason: string): Promise<void> {
    const { bookingId, roomId } = booking;
    try {
      await this.bookings.cancel(
        { ...this.step(context, `release/${bookingId}`), actor: SYSTEM_ADMIN },
        bookingId,
        {
          reason,
          roomId,
        },
      );
    } catch (error) {
      if (error instanceof NotFound || error instanceof InvalidBookingState) return;
      throw error;
    }
  }

  private async bookingIsLive(booking: MeetingRoom): Promise<boolean> {
    const { state } = await this.bookings.roomSchedule(booking.roomId);
    if (state.status === 'unknown') return false;
    const found = state.bookings.get(booking.bookingId);
    return found?.status === 'confirmed' || found?.status === 'held';
  }

  /** Each user attendee's busy time during the occurrences (other meetings, not this one). */
  private async attendeeConflicts(
    meeting: MeetingDetails,
    occurrences: readonly Occurrence[],
  ): Promise<AttendeeBusy[]> {
    const checked = occurrences.slice(0, MAX_CHECKED_OCCURRENCES);
    const users = meeting.attendees.flatMap((a) => ('userId' in a ? [a.userId] : []));
    if (checked.length === 0 || users.length === 0) return [];
    const window = { from: msOf(checked[0].start), to: Math.max(...checked.map((o) => msOf(o.end))) };
    const entries = await this.calendars.entries(users, window, {
      excludeMeetingId: meeting.meetingId,
      within: checked.map((o) => ({ start: msOf(o.start), end: msOf(o.end) })),
    });
    const conflicts: AttendeeBusy[] = [];
    for (const userId of users) {
      // Whole busy intervals (not clipped to the meeting), merged, that overlap one of its occurrences.
      const busy = merge(
        entries
          .filter((entry) => entry.userId === userId && BUSY_RESPONSES.includes(entry.response))
          .map((entry) => ({ start: msOf(entry.start), end: msOf(entry.end) })),
      ).filter((span) => checked.some((o) => span.start < msOf(o.end) && span.end > msOf(o.start)));
      if (busy.length > 0)
        conflicts.push({
          userId,
          busy: busy.map((span) => ({ start: isoOf(span.start), end: isoOf(span.end) })),
        });
    }
    return conflicts;
  }

  private horizonEnd(): number {
    return this.clock().getTime() + this.horizonDays * DAY_MS;
  }

  /** The command of one step of a use case: its own id derived from the request's, and `now`. */
  private meetingCommand(context: RequestContext, step: string, command: CommandBody): MeetingCommand {
    return {
      ...command,
      metadata: {
        commandId: `${context.commandId}/${step}`,
        actor: context.actor,
        now: this.clock().toISOString(),
      },
    } as MeetingCommand;
  }

  private systemCommand(context: RequestContext, step: string, command: CommandBody): MeetingCommand {
    return {
      ...this.meetingCommand(context, step, command),
      metadata: {
        commandId: `${context.commandId}/${step}`,
        actor: SYSTEM_ADMIN,
        now: this.clock().toISOString(),
      },
    } as MeetingCommand;
  }

  /** The room booking follows the meeting: a new time in the same room, or a move (kept id), undoable. */
  private async shiftRoomBooking(
    context: RequestContext,
    booking: { roomId: string; bookingId: string },
    target: string,
    slot: { start: string; end: string },
    old: { start: string; end: string },
    timeChanged: boolean,
  ): Promise<RoomPlan> {
    if (target === booking.roomId) {
      if (!timeChanged || (slot.start === old.start && slot.end === old.end)) return noPlan();
      await this.bookings.reschedule(this.step(context, 'room'), booking.bookingId, {
        ...slot,
        roomId: booking.roomId,
      });
      return {
        undo: () =>
          this.bookings
            .reschedule(this.step(context, 'room-undo'), booking.bookingId, {
              ...old,
              roomId: booking.roomId,
            })
            .then(() => undefined),
        afterwards: async () => undefined,
        outcome: { booked: 1, skipped: [] },
      };
    }
    await this.bookings.move(this.step(context, 'room'), booking.bookingId, { roomId: target, ...slot });
    return {
      room: { roomId: target, bookingId: booking.bookingId },
      undo: () =>
        this.bookings
          .move(this.step(context, 'room-undo'), booking.bookingId, { roomId: booking.roomId, ...old })
          .then(() => undefined),
      afterwards: async () => undefined,
      outcome: { booked: 1, skipped: [] },
    };
  }

  private step(context: RequestContext, step: string): RequestContext {
    return { ...context, commandId: `${context.commandId}/${step}` };
  }
}

/** A meeting command without its metadata (the use case adds command id, actor and `now`). */
type CommandBody = MeetingCommand extends infer C
  ? C extends MeetingCommand
    ? Omit<C, 'metadata'>
    : never
  : never;

interface RoomPlan {
  /** The meeting's (or occurrence's) room after the change: undefined keeps it, null gives it up. */
  readonly room?: MeetingRoom | null;
  /** Puts the room back when the meeting refuses the change. */
  undo(): Promise<void>;
  /** What can only happen once the meeting has changed (giving a room up). */
  afterwards(): Promise<void>;
  readonly outcome?: RoomOutcome;
}

const noPlan = (): RoomPlan => ({ undo: async () => undefined, afterwards: async () => undefined });

function cancelOf(meetingId: string, message: string): CommandBody {
  return { type: 'CancelMeeting', data: { meetingId, message } };
}

/**
 * The bookings (of a room series) that hold occurrences of this meeting: their ids derive from the
 * series id and the occurrences' original starts. A series split by a `following` edit shares its
 * series id with the series split off, so each keeps to its own.
 */
function ownOccurrences<B extends { id: string; start: string; end: string }>(
  meeting: MeetingDetails,
  seriesId: string,
  bookings: readonly B[],
): B[] {
  if (bookings.length === 0) return [];
  const from = Math.min(...bookings.map((b) => msOf(b.start))) - 7 * DAY_MS;
  const to = Math.max(...bookings.map((b) => msOf(b.end))) + 7 * DAY_MS;
  const ids = new Set([
    ...generatedStarts(meeting, from, to).starts.map((start) => occurrenceBookingId(seriesId, isoOf(start))),
    ...meeting.overrides.map((o) => occurrenceBookingId(seriesId, o.originalStart)),
  ]);
  return bookings.filter((booking) => ids.has(booking.id));
}

const roomOf = (booking: { id: string; roomId: string }): MeetingRoom => ({
  roomId: booking.roomId,
  bookingId: booking.id,
});

function viewOf(decision: Pick<MeetingDecision, 'state' | 'revision'> & { events?: unknown }): MeetingView {
  if (decision.state.status === 'none') throw new Error('a decision that left no meeting');
  return { meeting: decision.state, version: Number(decision.revision) + 1 };
}

function scheduledOrThrow(state: MeetingState, meetingId: string): ScheduledMeeting {
  if (state.status === 'none' || state.meetingId !== meetingId) throw new MeetingNotFound(meetingId);
  if (state.status === 'cancelled') throw new MeetingCancelledAlready(meetingId);
  return state;
}

function requireOrganizerOrAdmin(actor: Actor, meeting: MeetingDetails): void {
  if (actor.userId !== meeting.organizerId && !actor.roles.includes('admin'))
    throw new NotOrganizer(meeting.meetingId, 'change the meeting');
}

function expectVersion(meetingId: string, revision: bigint, expected: number | undefined): void {
  if (expected === undefined) return;
  const actual = Number(revision) + 1;
  if (actual !== expected) throw new MeetingVersionMismatch(meetingId, expected, actual);
}

/** The occurrences to check or book: from the meeting's start to its end or the horizon. */
function occurrencesOf(meeting: MeetingDetails, horizonEnd: number): Occurrence[] {
  const end = seriesEndOf(meeting);
  const to = Math.min(end ?? horizonEnd, Math.max(horizonEnd, msOf(meeting.end)));
  return [
    ...expandSeries(meeting, { from: meeting.start, to: isoOf(Math.max(to, msOf(meeting.end))) }).occurrences,
  ];
}

/** The occurrence with this original start (its current time and room), if it still happens. */
function occurrenceAt(meeting: MeetingDetails, originalStart: string): Occurrence | undefined {
  const original = Date.parse(originalStart);
  const override = meeting.overrides.find((o) => msOf(o.originalStart) === original);
  const at = override ? Math.min(msOf(override.start), original) : original;
  const until = override ? Math.max(msOf(override.end), original + 1) : original + 1;
  return expandSeries(meeting, { from: isoOf(at), to: isoOf(until) }).occurrences.find(
    (o) => msOf(o.originalStart) === original,
  );
}

/** The room booking holding one occurrence: the series' derived one, or the occurrence's own. */
function occurrenceBooking(meeting: MeetingDetails, occurrence: Occurrence): MeetingRoom | undefined {
  if (!occurrence.room) return undefined;
  if (!meeting.recurrence) return occurrence.room;
  if (occurrence.room.bookingId === meeting.room?.bookingId)
    return {
      roomId: occurrence.room.roomId,
      bookingId: occurrenceBookingId(occurrence.room.bookingId, occurrence.originalStart),
    };
  return occurrence.room;
}
