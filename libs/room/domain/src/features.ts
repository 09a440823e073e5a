import { ValidationFailed } from './errors';

/**
 * Curated amenity names: what search filters and the UI know. Anything else is a free tag, written
 * `tag:<name>` (`tag:standing_desk`), so a typo of a curated name is refused rather than silently
 * becoming a tag nobody searches for.
 */
export const AMENITIES = [
  'projector',
  'screen',
  'display',
  'whiteboard',
  'flipchart',
  'video_conference',
  'phone',
  'speakerphone',
  'microphone',
  'wheelchair_access',
  'air_conditioning',
  'natural_light',
  'kitchenette',
  'power_outlets',
  'wifi',
] as const;
export type Amenity = (typeof AMENITIES)[number];

/** Curated accessibility features; free tags as for amenities (`tag:<name>`). */
export const ACCESSIBILITY_FEATURES = [
  'step_free',
  'wheelchair_access',
  'hearing_loop',
  'accessible_toilet',
  'height_adjustable_table',
  'braille_signage',
  'visual_alarm',
  'quiet_room',
] as const;
export type AccessibilityFeature = (typeof ACCESSIBILITY_FEATURES)[number];

/** Prefix of a free tag. */
export const FREE_TAG_PREFIX = 'tag:';
const FREE_TAG = /^tag:[a-z0-9][a-z0-9_-]{0,59}$/;
const MAX_FEATURES = 50;

/**
 * A list of features as stored: trimmed, lower-case, each a curated name or a free tag, without
 * repeats, sorted (so that two lists with the same features are equal). Throws `ValidationFailed`
 * naming `<field>[i]` for the first entry that is neither.
 */
export const normalizeFeatures = (
  values: unknown,
  curated: readonly string[],
  field: 'amenities' | 'accessibility',
): string[] => {
  if (values === undefined) return [];
  if (!Array.isArray(values)) throw new ValidationFailed(field, 'a list');
  if (values.length > MAX_FEATURES) throw new ValidationFailed(field, `at most ${MAX_FEATURES} entries`);
  const normalized = values.map((value, index) => {
    const name = typeof value === 'string' ? value.trim().toLowerCase() : '';
    if (!curated.includes(name) && !FREE_TAG.test(name)) {
      throw new ValidationFailed(
        `${field}[${index}]`,
        `one of ${curated.join(', ')}, or a free tag "${FREE_TAG_PREFIX}<name>" (a-z, 0-9, _ and -)`,
      );
    }
    return name;
  });
  return [...new Set(normalized)].sort();
};
