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

let lastEscape = 0;
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const now = Date.now();
  if (now - lastEscape < 800) quickExit();
  lastEscape = now;
});

const control = document.getElementById("quick-exit");
control?.addEventListener("click", (event) => {
  event.preventDefault();
  quickExit();
});
