/**
 * Every moment a page shows goes through <Time>: `<time datetime="…Z" data-time="…">` with text
 * in UTC that says so. public/app.js rewrites it in the viewer's own time zone (on load and after
 * every htmx swap); without JavaScript the UTC text stays, which is still true.
 */
import { formatDate, formatDateTime, timeAgo } from "../format";

export type TimeProps =
  /** "Dec 1, 2026, 3:04 PM UTC", or the day alone ("Dec 1, 2026"; the exact time on hover). */
  | { at: Date; as?: "datetime" | "date" }
  /** "2 minutes ago" where a distance reads better than a clock; the exact time on hover. */
  | { at: Date; as: "relative"; now: number };

export function Time(props: TimeProps) {
  const as = props.as ?? "datetime";
  const text = props.as === "relative" ? timeAgo(props.at, props.now) : as === "date" ? formatDate(props.at) : formatDateTime(props.at);
  return (
    <time datetime={props.at.toISOString()} data-time={as} title={as === "datetime" ? undefined : formatDateTime(props.at)} safe>
      {text}
    </time>
  );
}
