// Small helpers for the JSON API. Errors come back as {error: {code, message}}.
import { t } from "./i18n.js";

// Kind, plain words for the errors a person can meet; the server's own message
// is a fallback only (it is written for developers).
const FRIENDLY = {
  agreement_required: t("Please tick the box to say you've read the group agreement."),
  invite_not_found: t("This invite link doesn't work any more. Please ask whoever shared it with you for the current link."),
  room_locked: t("This group isn't taking new arrivals just now. Please try again a little later."),
  rate_limited: t("Lots of people are joining from your connection. Please wait a moment and try again."),
  banned: t("Sorry, you can't join this group. If you think this is a mistake, please contact whoever shared the link with you."),
  unauthorized: t("Please log in again."),
  forbidden: t("You can't do that from here."),
  not_found: t("That group couldn't be found."),
  placement_unavailable: t("The group can't be opened just now. Please try again in a minute."),
};

export function friendlyMessage(code, fallback) {
  if (code && FRIENDLY[code]) return FRIENDLY[code];
  if (!fallback) return t("Something went wrong. Please try again.");
  return fallback.charAt(0).toUpperCase() + fallback.slice(1) + (/[.!?]$/.test(fallback) ? "" : ".");
}

export async function postJSON(path, body) {
  let response;
  try {
    response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify(body ?? {}),
    });
  } catch {
    throw Object.assign(new Error(t("We couldn't reach Hearth. Please check your connection and try again.")),
      { code: "network", status: 0 });
  }
  const data = response.status === 204 ? {} : await response.json().catch(() => ({}));
  if (!response.ok) {
    const code = data?.error?.code;
    // opens_at: when a group's waiting room opens (not_open).
    throw Object.assign(new Error(friendlyMessage(code, data?.error?.message)),
      { code, status: response.status, opensAt: data?.error?.opens_at ?? null });
  }
  return data;
}

// The token lives in sessionStorage only: gone when the tab closes, never in a URL.
export const TOKEN_KEY = "hearth.session";
/** Keep a join (or staff token) answer for this tab. Its ``expires_in`` (seconds) becomes
 *  ``expires_at`` (ms since the epoch), so the page knows how long "Rejoin" can work. */
export function keepSession(data) {
  const kept = { ...data };
  if (Number.isFinite(data?.expires_in) && !Number.isFinite(data?.expires_at)) {
    kept.expires_at = Date.now() + data.expires_in * 1000;
  }
  sessionStorage.setItem(TOKEN_KEY, JSON.stringify(kept));
}
export function readSession() {
  try { return JSON.parse(sessionStorage.getItem(TOKEN_KEY) ?? "null"); } catch { return null; }
}
export function forgetSession() {
  try { sessionStorage.removeItem(TOKEN_KEY); } catch { /* storage may be blocked */ }
}
