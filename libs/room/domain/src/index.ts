export * from './errors';
export * from './features';
export * from './room-profile';
export * from './room.commands';
export * from './room.events';
export * from './room.state';
export * from './room';
export { firstOverlap, weekRangesOf, WEEK_MINUTES, type WeekRange } from './weekly-spans';
