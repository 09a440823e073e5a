import { Temporal } from 'temporal-polyfill';
import { DAY_MS, isoOf, msOf } from '../instants';
import { optional } from '../room-schedule.rules';
import {
  sortedInstants,
  type MeetingDetails,
  type OccurrenceOverride,
  type Recurrence,
} from './meeting.model';
import { detailsOf } from './meeting.state';
import { generatedStarts, type SeriesTiming } from './recurrence';

/** What happens to a series' exceptions when its time changes or it is split. */

const localDate = (ms: number, timeZone: string): string =>
  Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(timeZone).toPlainDate().toString();

/** The new series' occurrence on the same local date as an old one, if there is one. */
const sameDay = (ms: number, before: SeriesTiming, after: SeriesTiming): number | undefined => {
  const date = localDate(ms, before.timeZone);
  return generatedStarts(after, ms - 3 * DAY_MS, ms + 3 * DAY_MS).starts.find(
    (start) => localDate(start, after.timeZone) === date,
  );
};

/**
 * When a series' time or rule changes, its exceptions follow by local date: an EXDATE or override
 * on a date the new series still meets on moves to that occurrence, the rest go. An override keeps
 * its title, description and room but not its own time (the series' time just changed) nor its answers.
 */
export const rekeyed = (before: MeetingDetails, after: SeriesTiming) => {
  const duration = msOf(after.end) - msOf(after.start);
  const exdates = sortedInstants(
    (before.recurrence?.exdates ?? []).flatMap((x) => sameDay(msOf(x), before, after) ?? []),
  );
  const overrides = before.overrides.flatMap((o): OccurrenceOverride[] => {
    const start = sameDay(msOf(o.originalStart), before, after);
    const kept = {
      ...optional('title', o.title),
      ...optional('description', o.description),
      ...optional('room', o.room),
    };
    if (start === undefined || Object.keys(kept).length === 0 || exdates.includes(isoOf(start))) return [];
    return [
      {
        originalStart: isoOf(start),
        start: isoOf(start),
        end: isoOf(start + duration),
        ...kept,
        responses: {},
      },
    ];
  });
  return { exdates, overrides };
};

/**
 * The series a `following` edit splits off at `split`, before the edit is applied: same meeting
 * from that occurrence on, with the attendees' answers (RSVPs carry over), the exceptions from there
 * on, and what is left of COUNT. A new iCalendar UID, so its sequence starts again at 0.
 */
export const continuationOf = (meeting: MeetingDetails, split: number, meetingId: string): MeetingDetails => {
  const recurrence = meeting.recurrence as Recurrence;
  let { rule } = recurrence;
  if (rule.count !== undefined) {
    const raw = { ...meeting, recurrence: { rule, exdates: [] } };
    rule = { ...rule, count: rule.count - generatedStarts(raw, msOf(meeting.start), split).starts.length };
  }
  const duration = msOf(meeting.end) - msOf(meeting.start);
  return {
    ...detailsOf(meeting),
    meetingId,
    start: isoOf(split),
    end: isoOf(split + duration),
    recurrence: { rule, exdates: recurrence.exdates.filter((x) => msOf(x) >= split) },
    overrides: meeting.overrides.filter((o) => msOf(o.originalStart) >= split),
    sequence: 0,
    splitFrom: { meetingId: meeting.meetingId, originalStart: isoOf(split) },
  };
};
