// Quick exit: leave at once and replace this page with a neutral site, for someone
// whose partner may walk in. location.replace keeps this page out of the back button.
// The control is a plain link to the neutral site, so it works even if scripts fail.
export const NEUTRAL_SITE = "https://www.bbc.co.uk/weather";
const leaveHooks = [];

/**
 * Let a page (the room) say goodbye before the page goes. Hooks run in the order they
 * were added: the room's media (media.js) turns the microphone and camera off and
 * closes its connection before the room tells the server it is leaving.
 */
export function onQuickExit(hook) { leaveHooks.push(hook); }

let leaving = false;
export function quickExit() {
  if (leaving) return;
  leaving = true;
  for (const hook of leaveHooks) { try { hook(); } catch { /* leaving regardless */ } }
  try { sessionStorage.clear(); } catch { /* storage may be blocked */ }
  try { document.title = "Weather"; document.body.replaceChildren(); } catch { /* going anyway */ }
  location.replace(NEUTRAL_SITE);
}

// ---- Escape twice ------------------------------------------------------------------
// Two Escapes within ESCAPE_PAIR_MS leave. An Escape that something open on the page
// takes for itself (it closes a dialog or a menu, or ends a half-typed IME word) never
// counts, not even as the first of the two: "Esc to close the dialog, Esc again 0.3 s
// later" once threw a parent out of the group. After such an Escape, two more leave.
// "Takes" means something really closed: an open menu that ignores Escape must never
// stop Escape twice from working.
const ESCAPE_PAIR_MS = 800;
let lastEscape = 0;

function openThings() {
  return [...document.querySelectorAll("dialog[open], details[open], [aria-expanded='true']")];
}

function stillOpen(node) {
  if (!node.isConnected) return false;
  if (node instanceof HTMLDialogElement || node instanceof HTMLDetailsElement) return node.open;
  return node.getAttribute("aria-expanded") === "true";
}

function escapePressed(taken) {
  if (taken) { lastEscape = 0; return; }
  const now = Date.now();
  if (now - lastEscape < ESCAPE_PAIR_MS) quickExit();
  lastEscape = now;
}

// Capture on window: seen before any other listener, so what is open is noted before a
// dialog or menu reacts; decided once the key has been handled (a dialog closes on the
// keydown's default action, after every listener).
window.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  if (event.isComposing) { escapePressed(true); return; }
  const open = openThings();
  if (open.length === 0) { escapePressed(false); return; }
  setTimeout(() => escapePressed(open.some((node) => !stillOpen(node))), 0);
}, true);

// ---- no history behind --------------------------------------------------------------
// Moving around Hearth replaces the current history entry instead of adding one, so that
// after a Quick exit the back button and the tab's history hold nothing of Hearth but the
// neutral site (and, before it, whatever page the person came from). The same goes for
// in-page links such as "Skip to content" (#main), which would otherwise add an entry.
// Staff pages (with their navigation bar) keep ordinary history: staff move between
// them with the back button.
function replacesHistory() { return !document.querySelector("nav.staff-nav"); }

document.addEventListener("click", (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey
      || event.shiftKey || event.altKey) return;
  const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
  if (!link || link.id === "quick-exit" || link.hasAttribute("download")) return;
  if (link.target && link.target !== "_self") return;
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin || !replacesHistory()) return;
  event.preventDefault();
  const samePage = url.pathname === location.pathname && url.search === location.search;
  location.replace(url.href);
  if (samePage && url.hash) {
    // A fragment link: location.replace scrolled to it; move keyboard focus there too,
    // as following the link would.
    document.getElementById(decodeURIComponent(url.hash.slice(1)))?.focus();
  }
});

const control = document.getElementById("quick-exit");
control?.addEventListener("click", (event) => {
  event.preventDefault();
  quickExit();
});
