// While someone types, screen the draft in the browser and, if it sounds like they may be at
// risk, show gentle crisis links before they send. Two parts, as on the server: the rules
// (risk.js over /api/risk-rules) and the trained model (risk-model.js over /api/risk-model); a
// draft is flagged when the rules flag it or the model thinks it urgent. The draft never leaves
// the device, and this only decides what to show: the server screens every message again.
import { createScreen } from "./risk.js";
import { createModel } from "./risk-model.js";
import { resourceItem } from "./resources.js";

// Each part loads on its own, so that if one fails the page still pre-warns with the other
// (and with neither it simply doesn't pre-warn). They are most of a room page's weight (about
// 130 KB compressed), so they load when someone first goes to the message box, not with the
// page: a parent who only listens never pays for them, and the box has them well before a
// message is typed out. The server screens every message whatever happens here.
function lazily(url, build) {
  let built = null;
  let started = false;
  const get = () => built;
  // ``ready``: called once it has loaded, to screen what was typed while it loaded.
  get.start = (ready) => {
    if (started) return;
    started = true;
    fetch(url, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : null))
      .then((doc) => { if (doc) { built = build(doc); ready(); } })
      .catch(() => {});
  };
  return get;
}
const screen = lazily("/api/risk-rules", createScreen);
const model = lazily("/api/risk-model", createModel);

// The model says how urgent, not what about: a hit only it sees gets the links for the
// urgent categories it was trained hardest on.
const MODEL_CATEGORIES = ["suicide", "immediate_danger"];

/** The categories to signpost for ``text``, or null when neither part flags it. */
function flagged(text) {
  const rules = screen(), scorer = model();
  const verdict = rules?.screen(text);
  if (verdict && verdict.severity !== "none") return verdict.categories;
  if (scorer) {
    // Thresholds are per language: the model scores Polish and Urdu lower than English.
    const found = scorer.score(text);
    const levels = scorer.thresholds[found.language] ?? scorer.thresholds.en;
    if (levels && found.urgent >= levels.urgent) return MODEL_CATEGORIES;
  }
  return null;
}

/** Watch ``textarea``; fill and show ``box`` (hidden otherwise) from ``signposting()``,
 *  the welcome's {category: [resource]} map for this group. */
export function watchDraft(textarea, box, signposting) {
  let timer = null;
  let shownFor = "";
  const list = box.querySelector("ul");
  const check = () => {
    const categories = flagged(textarea.value);
    if (!categories) { box.hidden = true; shownFor = ""; return; }
    const key = categories.join(",");
    if (key === shownFor && !box.hidden) return;
    shownFor = key;
    const seen = new Set();
    const resources = categories
      .flatMap((category) => signposting()?.[category] ?? [])
      .filter((r) => !seen.has(r.name) && seen.add(r.name));
    list.replaceChildren(...resources.map(resourceItem));
    box.hidden = false;
  };
  const ready = () => { if (textarea.value) check(); };
  const start = () => { screen.start(ready); model.start(ready); };
  textarea.addEventListener("focus", start); // typing, tapping or tabbing in all focus it first
  textarea.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(check, 200);
  });
  if (document.activeElement === textarea) start();
  textarea.form?.addEventListener("submit", () => { box.hidden = true; shownFor = ""; });
}
