// Quick exit: leave at once and replace this page with a neutral site, for someone
// whose partner may walk in. location.replace keeps this page out of the back button.
export const NEUTRAL_SITE = "https://www.bbc.co.uk/weather";
const leaveHooks = [];

/** Let a page (the room) say goodbye before the page goes. */
export function onQuickExit(hook) { leaveHooks.push(hook); }

export function quickExit() {
  for (const hook of leaveHooks) { try { hook(); } catch { /* leaving regardless */ } }
  try { sessionStorage.clear(); } catch { /* storage may be blocked */ }
  document.body.replaceChildren();
  location.replace(NEUTRAL_SITE);
}

let lastEscape = 0;
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const now = Date.now();
  if (now - lastEscape < 800) quickExit();
  lastEscape = now;
});
document.getElementById("quick-exit")?.addEventListener("click", quickExit);
