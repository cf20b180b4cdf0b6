/** Display helpers: dates and a short description of a browser from its user agent. */

/**
 * The pages' language (the layout's `<html lang>`, which public/app.js localises times in) and
 * the words these helpers say (docs/pages.md).
 */
export const LOCALE = "en";
const TEXT = {
  inUtc: (dateTime: string) => `${dateTime} UTC`,
  justNow: "just now",
  fewSeconds: "a few seconds",
  seconds: (n: number) => `${n} seconds`,
  aboutAMinute: "about a minute",
  aboutMinutes: (n: number) => `about ${n} minutes`,
  aboutAnHour: "about an hour",
  aboutHours: (n: number) => `about ${n} hours`,
  unknownDevice: "Unknown device",
  browserOnSystem: (browser: string, system: string) => `${browser} on ${system}`,
} as const;

const DATE_TIME = new Intl.DateTimeFormat(LOCALE, { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const DATE = new Intl.DateTimeFormat(LOCALE, { dateStyle: "medium", timeZone: "UTC" });

const NUMBER = new Intl.NumberFormat(LOCALE);

export const formatDateTime = (date: Date) => TEXT.inUtc(DATE_TIME.format(date));
/** A count with the language's grouping: "10,001". */
export const formatNumber = (n: number) => NUMBER.format(n);
export const formatDate = (date: Date) => DATE.format(date);

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];
const RELATIVE = new Intl.RelativeTimeFormat(LOCALE, { numeric: "auto" });

export function timeAgo(date: Date, now: number): string {
  const seconds = Math.round((date.getTime() - now) / 1000);
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return RELATIVE.format(Math.round(seconds / size), unit);
  }
  return TEXT.justNow;
}

/**
 * A wait said the way a person would: "a few seconds", "about 2 minutes", "about an hour".
 * A 429's Retry-After is an upper bound (src/rate-limits.ts), so "about" is honest.
 */
export function waitInWords(seconds: number): string {
  if (seconds <= 10) return TEXT.fewSeconds;
  if (seconds < 60) return TEXT.seconds(Math.ceil(seconds / 5) * 5);
  const minutes = Math.round(seconds / 60);
  if (minutes <= 1) return TEXT.aboutAMinute;
  if (minutes < 50) return TEXT.aboutMinutes(minutes);
  const hours = Math.round(seconds / 3600);
  return hours <= 1 ? TEXT.aboutAnHour : TEXT.aboutHours(hours);
}

const BROWSERS: Array<[RegExp, string]> = [
  [/Edg\//, "Edge"],
  [/OPR\//, "Opera"],
  [/Firefox\//, "Firefox"],
  [/Chrom(e|ium)\//, "Chrome"],
  [/Safari\//, "Safari"],
  [/curl\//i, "curl"],
];
const SYSTEMS: Array<[RegExp, string]> = [
  [/Android/, "Android"],
  [/iPhone|iPad|iOS/, "iOS"],
  [/Mac OS X|Macintosh/, "macOS"],
  [/Windows/, "Windows"],
  [/CrOS/, "ChromeOS"],
  [/Linux/, "Linux"],
];

/** "Chrome on macOS", or "Unknown device" when the agent says nothing we recognise. */
export function describeUserAgent(userAgent: string | null): string {
  if (!userAgent) return TEXT.unknownDevice;
  const browser = BROWSERS.find(([pattern]) => pattern.test(userAgent))?.[1];
  const system = SYSTEMS.find(([pattern]) => pattern.test(userAgent))?.[1];
  if (browser && system) return TEXT.browserOnSystem(browser, system);
  return browser ?? system ?? TEXT.unknownDevice;
}
