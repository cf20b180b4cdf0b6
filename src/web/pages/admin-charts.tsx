/**
 * The overview's charts (docs/admin.md): one bar per UTC day, drawn as SVG on the server (no
 * chart library, no script). Each chart is an image with a title and a description saying the
 * total and the busiest day; every bar has its own title; a table holds the same numbers.
 */
import type { DayStats } from "../../modules/admin/stats";
import { cx } from "../components/ui";
import { LOCALE } from "../format";

type Series = "signups" | "sign_ins" | "failed_sign_ins";

/**
 * Every word of the charts and their table, in one place for a translation (docs/pages.md). The
 * numbers come in already written (`${n}`, dates by shortDate), so only the words move.
 */
const TEXT = {
  series: {
    signups: { title: "Sign-ups", noun: "sign-ups" },
    sign_ins: { title: "Sign-ins", noun: "sign-ins" },
    failed_sign_ins: { title: "Failed sign-ins", noun: "failed sign-ins" },
  } satisfies Record<Series, { title: string; noun: string }>,
  chart: {
    total: (total: number, days: number) => `${total} in ${days} days`,
    max: (max: number) => `max ${max}`,
    title: (series: string) => `${series} per day`,
    /** The image's description: the total and, when there is one, the busiest day. */
    description: (total: number, noun: string, days: number, busiest?: { day: string; count: number }) =>
      `${total} ${noun} in the last ${days} days${busiest ? `, most on ${busiest.day} (${busiest.count})` : ""}.`,
    bar: (day: string, count: number, noun: string) => `${day}: ${count} ${noun}`,
  },
  table: {
    show: "Show the numbers as a table",
    label: "Activity per day",
    day: "Day (UTC)",
    signups: "Sign-ups",
    signIns: "Sign-ins",
    failedSignIns: "Failed sign-ins",
  },
} as const;

const FILLS: Record<Series, string> = {
  signups: "fill-blue-600 dark:fill-blue-400",
  sign_ins: "fill-emerald-600 dark:fill-emerald-400",
  failed_sign_ins: "fill-red-600 dark:fill-red-400",
};

const WIDTH = 600;
const HEIGHT = 140;
/** Room above the tallest bar and under the baseline (the labels are outside the drawing). */
const TOP = 4;
const BOTTOM = 2;

const SHORT_DATE = new Intl.DateTimeFormat(LOCALE, { month: "short", day: "numeric", timeZone: "UTC" });
const shortDate = (date: string) => SHORT_DATE.format(new Date(`${date}T00:00:00Z`));

export function DailyChart({ days, series }: { days: DayStats[]; series: Series }) {
  const { title, noun } = TEXT.series[series];
  const fill = FILLS[series];
  const values = days.map((day) => day[series]);
  const total = values.reduce((sum, value) => sum + value, 0);
  const max = Math.max(1, ...values);
  const busiest = days[values.indexOf(Math.max(...values))];
  const step = WIDTH / Math.max(1, days.length);
  const plot = HEIGHT - TOP - BOTTOM;
  const id = `chart-${series}`;
  const description = TEXT.chart.description(total, noun, days.length, total > 0 && busiest ? { day: shortDate(busiest.date), count: busiest[series] } : undefined);
  return (
    <figure class="min-w-0">
      <figcaption class="mb-2 flex items-baseline justify-between gap-2 text-sm">
        <span class="font-semibold" safe>
          {title}
        </span>
        <span class="tabular-nums text-slate-500 dark:text-slate-400" safe>{TEXT.chart.total(total, days.length)}</span>
      </figcaption>
      {/* The scale and the first and last days are HTML, not SVG text: the drawing is scaled down to
          its column, which made its own labels about 5 px high. aria-hidden: the image's
          description and the table say the same. */}
      <p class="text-xs text-slate-500 dark:text-slate-400" aria-hidden="true" safe>{TEXT.chart.max(max)}</p>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} class="h-auto w-full" role="img" aria-labelledby={`${id}-title ${id}-desc`} data-series={series}>
        <title id={`${id}-title`} safe>{TEXT.chart.title(title)}</title>
        <desc id={`${id}-desc`} safe>
          {description}
        </desc>
        <line x1="0" x2={String(WIDTH)} y1={String(HEIGHT - BOTTOM)} y2={String(HEIGHT - BOTTOM)} class="stroke-slate-300 dark:stroke-slate-700" />
        {days.map((day, index) => {
          const height = Math.round((day[series] / max) * plot);
          return (
            <rect x={(index * step + step * 0.15).toFixed(1)} y={String(HEIGHT - BOTTOM - height)} width={(step * 0.7).toFixed(1)} height={String(Math.max(height, day[series] > 0 ? 1 : 0))} class={cx(fill)} data-date={day.date} data-value={String(day[series])}>
              <title safe>{TEXT.chart.bar(shortDate(day.date), day[series], noun)}</title>
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
        <summary class="cursor-pointer font-medium text-blue-600 dark:text-blue-400">{TEXT.table.show}</summary>
        <div class="mt-3 max-h-96 overflow-y-auto">
          <table class="min-w-full text-left tabular-nums" aria-label={TEXT.table.label}>
            <thead class="text-xs uppercase text-slate-500 dark:text-slate-400">
              <tr>
                <th scope="col" class="py-1 pr-4">
                  {TEXT.table.day}
                </th>
                <th scope="col" class="py-1 pr-4">
                  {TEXT.table.signups}
                </th>
                <th scope="col" class="py-1 pr-4">
                  {TEXT.table.signIns}
                </th>
                <th scope="col" class="py-1">
                  {TEXT.table.failedSignIns}
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
