/**
 * The overview's charts (docs/admin.md): one bar per UTC day, drawn as SVG on the server (no
 * chart library, no script). Each chart is an image with a title and a description saying the
 * total and the busiest day; every bar has its own title; a table holds the same numbers.
 */
import type { DayStats } from "../../modules/admin/stats";
import { cx } from "../components/ui";

type Series = "signups" | "sign_ins" | "failed_sign_ins";
const SERIES: Record<Series, { title: string; noun: string; fill: string }> = {
  signups: { title: "Sign-ups", noun: "sign-ups", fill: "fill-blue-600 dark:fill-blue-400" },
  sign_ins: { title: "Sign-ins", noun: "sign-ins", fill: "fill-emerald-600 dark:fill-emerald-400" },
  failed_sign_ins: { title: "Failed sign-ins", noun: "failed sign-ins", fill: "fill-red-600 dark:fill-red-400" },
};

const WIDTH = 600;
const HEIGHT = 140;
/** Room above the tallest bar and under the baseline (the labels are outside the drawing). */
const TOP = 4;
const BOTTOM = 2;

const shortDate = (date: string) => new Intl.DateTimeFormat("en", { month: "short", day: "numeric", timeZone: "UTC" }).format(new Date(`${date}T00:00:00Z`));

export function DailyChart({ days, series }: { days: DayStats[]; series: Series }) {
  const { title, noun, fill } = SERIES[series];
  const values = days.map((day) => day[series]);
  const total = values.reduce((sum, value) => sum + value, 0);
  const max = Math.max(1, ...values);
  const busiest = days[values.indexOf(Math.max(...values))];
  const step = WIDTH / Math.max(1, days.length);
  const plot = HEIGHT - TOP - BOTTOM;
  const id = `chart-${series}`;
  const description = `${total} ${noun} in the last ${days.length} days${total > 0 && busiest ? `, most on ${shortDate(busiest.date)} (${busiest[series]})` : ""}.`;
  return (
    <figure class="min-w-0">
      <figcaption class="mb-2 flex items-baseline justify-between gap-2 text-sm">
        <span class="font-semibold" safe>
          {title}
        </span>
        <span class="tabular-nums text-slate-500 dark:text-slate-400" safe>{`${total} in ${days.length} days`}</span>
      </figcaption>
      {/* The scale and the first and last days are HTML, not SVG text: the drawing is scaled down to
          its column, which made its own labels about 5 px high. aria-hidden: the image's
          description and the table say the same. */}
      <p class="text-xs text-slate-500 dark:text-slate-400" aria-hidden="true" safe>{`max ${max}`}</p>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} class="h-auto w-full" role="img" aria-labelledby={`${id}-title ${id}-desc`} data-series={series}>
        <title id={`${id}-title`} safe>{`${title} per day`}</title>
        <desc id={`${id}-desc`} safe>
          {description}
        </desc>
        <line x1="0" x2={String(WIDTH)} y1={String(HEIGHT - BOTTOM)} y2={String(HEIGHT - BOTTOM)} class="stroke-slate-300 dark:stroke-slate-700" />
        {days.map((day, index) => {
          const height = Math.round((day[series] / max) * plot);
          return (
            <rect x={(index * step + step * 0.15).toFixed(1)} y={String(HEIGHT - BOTTOM - height)} width={(step * 0.7).toFixed(1)} height={String(Math.max(height, day[series] > 0 ? 1 : 0))} class={cx(fill)} data-date={day.date} data-value={String(day[series])}>
              <title safe>{`${shortDate(day.date)}: ${day[series]} ${noun}`}</title>
            </rect>
          );
        })}
      </svg>
      {days.length > 0 ? (
        <p class="mt-1 flex justify-between text-xs text-slate-500 dark:text-slate-400" aria-hidden="true">
          <span safe>{shortDate(days[0]!.date)}</span>
          <span safe>{shortDate(days[days.length - 1]!.date)}</span>
        </p>
      ) : (
        ""
      )}
    </figure>
  );
}

/** The three charts and the table with the same numbers (newest day first, for reading). */
export function ActivityCharts({ days }: { days: DayStats[] }) {
  return (
    <div class="space-y-6">
      <div class="grid gap-6 lg:grid-cols-3">
        <DailyChart days={days} series="signups" />
        <DailyChart days={days} series="sign_ins" />
        <DailyChart days={days} series="failed_sign_ins" />
      </div>
      <details class="text-sm">
        <summary class="cursor-pointer font-medium text-blue-600 dark:text-blue-400">Show the numbers as a table</summary>
        <div class="mt-3 max-h-96 overflow-y-auto">
          <table class="min-w-full text-left tabular-nums" aria-label="Activity per day">
            <thead class="text-xs uppercase text-slate-500 dark:text-slate-400">
              <tr>
                <th scope="col" class="py-1 pr-4">
                  Day (UTC)
                </th>
                <th scope="col" class="py-1 pr-4">
                  Sign-ups
                </th>
                <th scope="col" class="py-1 pr-4">
                  Sign-ins
                </th>
                <th scope="col" class="py-1">
                  Failed sign-ins
                </th>
              </tr>
            </thead>
            <tbody>
              {[...days].reverse().map((day) => (
                <tr class="border-t border-slate-100 dark:border-slate-800">
                  <th scope="row" class="py-1 pr-4 font-normal" safe>
                    {day.date}
                  </th>
                  <td class="py-1 pr-4" safe>
                    {String(day.signups)}
                  </td>
                  <td class="py-1 pr-4" safe>
                    {String(day.sign_ins)}
                  </td>
                  <td class="py-1" safe>
                    {String(day.failed_sign_ins)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </div>
  );
}
