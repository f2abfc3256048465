// Times in the reader's own time zone. The server writes <time datetime="…Z" data-local>
// with the UTC time as text, so the page still says something true without scripts.
import { locale } from "./i18n.js";

const FORMAT = { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };
// A group's meeting: the day of the week matters more than the date to someone planning hers.
const MEETING = { weekday: "short", ...FORMAT };

export function localTime(iso, format = FORMAT) {
  const when = new Date(iso);
  return Number.isNaN(when.getTime()) ? "" : when.toLocaleString(locale, format);
}

/** A meeting's time (with the day of the week), in local time. */
export const meetingTime = (iso) => localTime(iso, MEETING);

/** Every <time data-local> on the page, in local time (each page calls it once). */
export function localiseTimes() {
  for (const node of document.querySelectorAll("time[data-local]")) {
    const iso = node.getAttribute("datetime");
    const text = node.dataset.local === "weekday" ? meetingTime(iso) : localTime(iso);
    if (text) node.textContent = text;
  }
}
