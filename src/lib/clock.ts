/** Time is a port, so tests can move it (token expiry, grace windows) without sleeping. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
