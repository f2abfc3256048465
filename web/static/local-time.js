// Times in the reader's own time zone. The server writes <time datetime="…Z" data-local>
// with the UTC time as text, so the page still says something true without scripts.
import { locale } from "./i18n.js";

const FORMAT = { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };

export function localTime(iso) {
  const when = new Date(iso);
  return Number.isNaN(when.getTime()) ? "" : when.toLocaleString(locale, FORMAT);
}

/** Every <time data-local> on the page, in local time (each page calls it once). */
export function localiseTimes() {
  for (const node of document.querySelectorAll("time[data-local]")) {
    const text = localTime(node.getAttribute("datetime"));
    if (text) node.textContent = text;
  }
}
