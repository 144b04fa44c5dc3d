// The API's two time types, each formatted once: metav1.Time in status and conditions, metav1.MicroTime
// where the API asks for it (Events, Leases).

/** A status time: RFC 3339 in UTC with milliseconds, e.g. 2026-11-30T09:00:00.123Z. */
export const isoTime = (ms: number): string => new Date(ms).toISOString();

/** metav1.MicroTime: RFC 3339 with six fractional digits. */
export const microTime = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
