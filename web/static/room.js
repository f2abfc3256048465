// The group page: one WebSocket to the server, protocol v1 (docs/protocol.md).
// Everything people type is shown with textContent, never as HTML.
import { forgetSession, friendlyMessage, keepSession, postJSON, readSession } from "./api.js";
import { createAlarm } from "./alarm.js";
import { resourceItem } from "./resources.js";
import { askDialog, confirmDialog } from "./dialog.js";
import { list, locale, t, tn, withNodes } from "./i18n.js";
import { watchDraft } from "./draft-check.js";
import { createMedia } from "./media.js";
import { onQuickExit } from "./quick-exit.js";
import { openSupportHere } from "./support-links.js";

const $ = (id) => document.getElementById(id);
const app = $("app");
const session = readSession();
// A one-to-one room (docs/architecture.md, "Referrals and one-to-one support"): her and her
// volunteer, and a safeguarding lead if one joins. The page that sent us here knew the
// room's kind from the server (join.html, staff.html, account_one_to_one.html) and kept it
// with the session; only the words differ, never what the page does or sends.
const oneToOne = session?.kind === "one_to_one";

const state = {
  you: null,
  room: null,
  place: "connecting", // connecting | lobby | room | gone
  people: new Map(),
  lobby: new Map(),
  alerts: new Map(),
  // Staff: each person's connection quality (good | weak | lost), by id, as the server
  // measures it (participant.quality; never sent to parents).
  quality: new Map(),
  paused: false,
};
let socket = null;
let refs = 0;
// Tries since the connection dropped, and when it dropped (null while connected).
let retries = 0;
let droppedAt = null;
// After a dropped connection: the waits before each try (the last one repeated), for as
// long as RETRY_FOR. The group of a server that died is taken up by another within about
// ten seconds (docs/deployment.md, "When a node dies"), so the page tries often enough to
// be back soon after, and for well past that before it says the connection is lost.
const RETRY_DELAYS = [500, 1000, 2000, 3000];
const RETRY_FOR = 60_000;
let everWelcomed = false;
// Where a `moved` error said the group is now (followed when the close comes), and how
// many moves in a row were followed without a welcome (a loop must not run forever).
let movedTo = null;
let moves = 0;

const isStaff = () => Boolean(state.you && state.you.role !== "participant");
const isYou = (id) => Boolean(state.you && id === state.you.id);

// Listening, microphone, camera and asides (media.js); chat only until they choose.
const media = createMedia({
  send, announce, isStaff, conversation: oneToOne,
  people: () => state.people, you: () => state.you, room: () => state.room,
});

// Urgent alerts: a chime and a notification, once the facilitator turns them on.
const alarm = createAlarm($("alert-sound"));

// ---- small DOM helpers ------------------------------------------------------------

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value == null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) if (child != null && child !== false) node.append(child);
  return node;
}

function button(text, action, onclick, extra = {}) {
  return el("button", { type: "button", "data-action": action, text, onclick, ...extra });
}

function timeOf(iso) {
  const date = iso ? new Date(iso) : new Date();
  return date.toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" });
}

/**
 * Make ``list`` show ``items`` in order, touching only rows whose content changed,
 * so an open menu or a focused button survives updates about other people.
 */
function reconcile(list, items, key, signature, render) {
  const existing = new Map([...list.children].map((node) => [node.dataset.key, node]));
  const wanted = items.map((item) => {
    const id = key(item);
    const sig = signature(item);
    const old = existing.get(id);
    if (old && old.dataset.sig === sig) return old;
    const fresh = render(item);
    fresh.dataset.key = id;
    fresh.dataset.sig = sig;
    if (old) {
      carryOver(old, fresh);
      old.replaceWith(fresh);
    }
    return fresh;
  });
  wanted.forEach((node, index) => {
    if (list.children[index] !== node) list.insertBefore(node, list.children[index] ?? null);
  });
  const keep = new Set(wanted);
  for (const node of [...list.children]) if (!keep.has(node)) node.remove();
}

/** Keep a row's open menus, chosen options and focused control when it is redrawn. */
function carryOver(old, fresh) {
  for (const menu of old.querySelectorAll("details[open]")) {
    fresh.querySelector(`details.${menu.classList[0]}`)?.setAttribute("open", "");
  }
  for (const chosen of old.querySelectorAll("input:checked")) {
    const same = fresh.querySelector(`input[name="${chosen.name}"][value="${chosen.value}"]`);
    if (same) same.checked = true;
  }
  const focused = document.activeElement;
  if (focused && old.contains(focused)) {
    const action = focused.dataset?.action;
    queueMicrotask(() => {
      const target = (action && fresh.querySelector(`[data-action="${action}"]`))
        ?? fresh.querySelector("summary, button");
      target?.focus();
    });
  }
}

// ---- talking to the server -----------------------------------------------------

/** Send a message; returns its ref (truthy), or false when not connected. */
function send(type, fields = {}) {
  if (socket?.readyState !== WebSocket.OPEN) {
    notice(t("You're not connected just now. Please wait a moment and try again."));
    return false;
  }
  const ref = String(++refs);
  socket.send(JSON.stringify({ type, ref, ...fields }));
  return ref;
}

// ---- status, notices, announcements ------------------------------------------------

function setStatus(text) { $("status").textContent = text; }

/** Tell screen-reader users about something that happened elsewhere on the page;
 *  ``urgent`` interrupts whatever is being read (an assertive region). */
function announce(text, { urgent = false } = {}) {
  const region = $(urgent ? "announcer-urgent" : "announcer");
  region.textContent = "";
  setTimeout(() => { region.textContent = text; }, 50);
}

function notice(text, kind = "info") {
  const box = $("notices");
  const item = el("p", { class: `notice ${kind}`, role: kind === "info" ? "status" : "alert" },
    el("span", { text }),
    button(t("Dismiss"), "dismiss", () => item.remove(), { class: "link-button", "aria-label": t("Dismiss this message") }));
  box.append(item);
  while (box.children.length > 3) box.firstElementChild.remove();
}

function clearNotices() { $("notices").replaceChildren(); }

// ---- views ------------------------------------------------------------------------------

function show(place) {
  const arriving = place !== state.place && (place === "lobby" || place === "room");
  state.place = place;
  app.dataset.place = place;
  $("lobby-view").hidden = place !== "lobby";
  $("room-view").hidden = place !== "room";
  $("end-view").hidden = place !== "gone";
  $("skip-to-chat").hidden = place !== "room";
  // Arriving in the waiting room or the group starts a keyboard or screen-reader user at
  // the main heading, not wherever the page they came from left them.
  if (arriving) $("room-name").focus();
}

function setRole() {
  app.dataset.role = isStaff() ? "staff" : "participant";
  $("room-grid").classList.toggle("for-staff", isStaff());
  // In a one-to-one everyone else here is staff, so "Send to" would choose between the
  // same people: a parent is not asked.
  $("chat-form").querySelector(".chat-send").hidden = oneToOne && !isStaff();
}

/** The group's name, as staff wrote it (in whichever language). */
function showRoomName(name) {
  const heading = $("room-name");
  heading.textContent = name;
  heading.dir = "auto";
}

function renderRoomName() {
  if (oneToOne && !isStaff()) showRoomName(t("One-to-one support"));
  else if (state.room) showRoomName(state.room.name);
}

function roomStatus() {
  if (oneToOne) {
    if (state.paused) {
      return isStaff()
        ? t("Paused: the conversation carries on when her volunteer is here.")
        : t("Your volunteer has stepped away. You can stay here; the conversation carries on when they're back.");
    }
    // The lead can enter a one-to-one too (issue 13): she is not the volunteer.
    if (state.you?.role === "safeguarding_lead") return t("The conversation is open. You're here as the safeguarding lead.");
    return isStaff() ? t("The conversation is open. You're her volunteer.")
      : t("You're talking with your volunteer. Welcome.");
  }
  if (state.paused) {
    return isStaff()
      ? t("Paused: the group resumes when a facilitator is here.")
      : t("The group is paused until a facilitator is back. You can stay here; it will carry on by itself.");
  }
  return isStaff() ? t("The group is running. You're facilitating.") : t("You're in the group. Welcome.");
}

function renderPaused() {
  const form = $("chat-form");
  for (const control of form.elements) control.disabled = state.paused;
  $("chat-text").placeholder = !state.paused ? t("Write a message…")
    : oneToOne ? t("Chat is paused until your volunteer is back") : t("Chat is paused until a facilitator is back");
  if (state.place === "room") setStatus(roomStatus());
}

function personLabel(person) {
  return el("span", { class: "name" },
    el("span", { text: person.name, dir: "auto" }),
    isYou(person.id) ? el("span", { class: "you", text: " " + t("(you)") }) : null,
    person.role !== "participant" ? el("span", { class: "badge", text: staffBadge(person.role) }) : null,
    person.hand ? el("span", { class: "badge hand", text: t("Hand raised") }) : null,
    person.speaking ? el("span", { class: "badge speaking", text: t("Speaking") }) : null,
    person.audio ? el("span", { class: "badge", text: t("Mic on") }) : null,
    person.video ? el("span", { class: "badge", text: t("Camera on") }) : null,
    asideBadge(person),
    qualityMark(person));
}

/** What a member of staff is called beside their name: in a one-to-one, her volunteer (or
 *  the safeguarding lead); in a group, a facilitator. */
function staffBadge(role) {
  if (!oneToOne) return t("Facilitator");
  return role === "safeguarding_lead" ? t("Safeguarding lead") : t("Volunteer");
}

// How a person's connection is doing, for staff (docs/protocol.md "Connection quality"):
// signal bars whose number tells the level (never colour alone) and its words, which a
// screen reader reads with the row. Good is the bars only (the words stay for screen
// readers); weak and lost, the ones to act on, show their words. Not announced: a row
// changing is no reason to interrupt anyone.
const QUALITY_WORDS = {
  good: () => t("Good connection"),
  weak: () => t("Weak connection"),
  lost: () => t("Connection lost"),
};

function qualityMark(person) {
  const level = isStaff() ? state.quality.get(person.id) : null;
  if (!level || !QUALITY_WORDS[level]) return null;
  const words = QUALITY_WORDS[level]();
  return el("span", { class: `quality quality-${level}`, title: words },
    el("span", { class: "quality-bars", "aria-hidden": "true" }, el("i"), el("i"), el("i")),
    el("span", { class: level === "good" ? "visually-hidden" : "quality-words", text: words }));
}

function asideBadge(person) {
  const aside = media.asideOf(person.id);
  if (!aside || !isStaff()) return null;
  return el("span", { class: "badge aside", text: isYou(aside.facilitator.id)
    ? t("Talking privately with you") : t("Talking privately with {name}", { name: aside.facilitator.name }) });
}

function personRow(person) {
  const row = el("li", { class: person.hand ? "person has-hand" : "person" }, personLabel(person));
  if (isYou(person.id) || person.role !== "participant") return row;
  const target = { participant: person.id };
  if (isStaff()) {
    const marker = checkInMarker(person, checkIns().filter((a) => a.participant.id === person.id));
    if (marker) row.append(marker);
    if (person.hand) {
      row.append(button(t("Lower hand"), "lower", () => send("hand.lower", target),
        { class: "small-button", "aria-label": t("Lower hand for {name}", { name: person.name }) }));
    }
    const menu = el("details", { class: "menu" },
      // The whole name as one sentence ("Options for Ann"): word order differs between languages.
      el("summary", { "data-action": "menu", "aria-label": t("Options for {name}", { name: person.name }) },
        t("Options")),
      el("div", { class: "menu-items" },
        button(t("Write privately"), "write-privately", () => writePrivately(person)),
        button(t("Mute"), "mute", () => send("participant.mute", { ...target, lock: false })),
        button(t("Mute and lock"), "mute-lock", () => send("participant.mute", { ...target, lock: true })),
        button(t("Allow to speak"), "allow", () => send("participant.allow", target)),
        media.asideOf(person.id)
          ? button(t("End the private talk"), "aside-end", () => send("aside.end", target))
          : button(t("Talk privately (aside)"), "aside-start", () => send("aside.start", target)),
        button(t("The screen missed something"), "missed", (event) => screenMissed(person, event.currentTarget)),
        button(t("Remove"), "remove", () => removePerson(person, false), { class: "danger" }),
        button(t("Remove and ban"), "ban", () => removePerson(person, true), { class: "danger" })));
    row.append(menu);
  } else if (state.place === "room") {
    row.append(button(t("Report"), "report", () => reportPerson(person),
      { class: "link-button", "aria-label": t("Report {name} to the facilitators", { name: person.name }) }));
  }
  return row;
}

const personSig = (p) => JSON.stringify([p.name, p.role, p.hand, p.audio, p.video, p.speaking,
  media.asideOf(p.id)?.facilitator.id, isStaff(), state.quality.get(p.id),
  checkIns().filter((a) => a.participant.id === p.id).map((a) => `${a.id}:${a.escalated ? 1 : 0}`)]);

function sortedPeople() {
  // Facilitators first, then raised hands, then everyone else in arrival order.
  const rank = (p) => (p.role !== "participant" ? 0 : p.hand ? 1 : 2);
  return [...state.people.values()].sort((a, b) => rank(a) - rank(b));
}

/** Staff: "Privately to Ann" for each parent in the group, after Everyone and Facilitators. */
// The parents the options were last drawn for: the people list changes many times a second
// (who is speaking), the options only when someone comes, goes or is renamed.
let sendToKey = "";

function renderSendTo() {
  const select = $("chat-to");
  const wanted = isStaff()
    ? [...state.people.values()].filter((p) => p.role === "participant" && !isYou(p.id)) : [];
  const key = JSON.stringify(wanted.map((p) => [p.id, p.name]));
  if (key === sendToKey) return;
  sendToKey = key;
  const chosen = select.value;
  for (const option of [...select.options]) if (option.value.startsWith("p:")) option.remove();
  for (const p of wanted) select.append(el("option", { value: `p:${p.id}`, text: t("Privately to {name}", { name: p.name }) }));
  // Someone who has left can't be written to: back to Everyone, and say so.
  if (chosen.startsWith("p:") && !wanted.some((p) => `p:${p.id}` === chosen)) {
    select.value = "room";
    announce(t("The person you were writing to privately has left. Send to is back to Everyone."));
  } else {
    select.value = chosen;
  }
}

/** Staff: start a private message to one parent from their row. */
function writePrivately(person) {
  $("chat-to").value = `p:${person.id}`;
  $("chat-text").focus();
  announce(t("Writing privately to {name}. Only they and the facilitators will see it.", { name: person.name }));
}

function renderPeople() {
  const people = sortedPeople();
  reconcile($("people"), people, (p) => p.id, personSig, personRow);
  renderSendTo();
  $("people-count").textContent = `(${people.length})`;

  renderTitle();
  const waiting = [...state.lobby.values()];
  reconcile($("lobby"), waiting, (p) => p.id, (p) => p.name, waitingRow);
  $("lobby-empty").hidden = waiting.length > 0;
  $("lobby-actions").hidden = waiting.length === 0;
  $("admit-all").hidden = waiting.length < 2;
  $("waiting-count").hidden = waiting.length === 0;
  $("waiting-count").textContent = `(${waiting.length})`;
  renderJumps();
  renderControls();
  media.peopleChanged();
}

function waitingRow(person) {
  const target = { participant: person.id };
  return el("li", { class: "person waiting-person" },
    el("span", { class: "name", text: person.name, dir: "auto" }),
    el("span", { class: "row-buttons" },
      button(t("Let in"), "admit", () => send("lobby.admit", target),
        { class: "primary small-button", "aria-label": t("Let in {name}", { name: person.name }) }),
      button(t("Turn away"), "deny", () => denyPerson(person),
        { class: "small-button", "aria-label": t("Turn away {name}", { name: person.name }) })));
}

// What an alert says about someone, as whole sentences for each kind (word order differs
// between languages, so the name and the words are never glued together here).
// ``times``: "asked for help 4 times", for repeated requests merged into the open alert.
const ALERT_SENTENCES = {
  help: {
    head: (name) => t("{name} asked for help", { name }),
    times: (name, n) => tn("{name} asked for help {n} time", "{name} asked for help {n} times", n, { name }),
    urgent: (name) => t("Urgent alert: {name} asked for help. It is at the top of the page.", { name }),
    plain: (name) => t("Alert: {name} asked for help.", { name }),
  },
  report: {
    head: (name) => t("{name} was reported", { name }),
    times: (name, n) => tn("{name} was reported {n} time", "{name} was reported {n} times", n, { name }),
    urgent: (name) => t("Urgent alert: {name} was reported. It is at the top of the page.", { name }),
    plain: (name) => t("Alert: {name} was reported.", { name }),
  },
  risk: {
    head: (name) => t("{name} may need support", { name }),
    times: (name, n) => tn("{name} may need support {n} time", "{name} may need support {n} times", n, { name }),
    urgent: (name) => t("Urgent alert: {name} may need support. It is at the top of the page.", { name }),
    plain: (name) => t("Alert: {name} may need support.", { name }),
  },
  other: {
    head: (name) => t("{name} needs attention", { name }),
    times: (name, n) => tn("{name} needs attention {n} time", "{name} needs attention {n} times", n, { name }),
    urgent: (name) => t("Urgent alert: {name} needs attention. It is at the top of the page.", { name }),
    plain: (name) => t("Alert: {name} needs attention.", { name }),
  },
};
const alertSentences = (alert) => ALERT_SENTENCES[alert.kind] ?? ALERT_SENTENCES.other;

// The categories in words, as the server's one table puts them (server/safeguarding/words.py).
const CATEGORY_WORDS = JSON.parse(app.dataset.words || "{}");

// A risk alert of concern is a quiet check-in (docs/protocol.md): no deadline, so it
// sits on the person's row and in "Check in after the session", not among the alerts.
const isCheckIn = (alert) => alert.kind === "risk" && alert.severity === "concern";
const checkIns = () => [...state.alerts.values()].filter(isCheckIn);
// Everything with a deadline: urgent ones in the strip at the top, the rest in Alerts.
const deadlineAlerts = () => [...state.alerts.values()].filter((a) => !isCheckIn(a));
const isUrgent = (alert) => alert.severity === "urgent";

function aboutWords(alert) {
  return list((alert.categories ?? []).map((c) => CATEGORY_WORDS[c] ?? c.replaceAll("_", " ")));
}

/** What it's about, or "a message" when the screen named nothing. */
function aboutOrMessage(alert) {
  return aboutWords(alert) || t("a message");
}

// Rule ids read "suicide.passive_wish"; a facilitator needs "passive wish" (the rule's own
// name, in English: only its quotation marks are the page's language's).
const ruleWords = (id) => t("“{rule}”", { rule: id.slice(id.indexOf(".") + 1).replaceAll("_", " ") });

/** Which part of the screen fired, in words, so a facilitator can judge it. */
function signalWords(alert) {
  const ids = alert.rules ?? [];
  const rules = ids.length
    ? tn("the screen's rule {rules} matched", "the screen's rules {rules} matched", ids.length,
      { rules: list(ids.map(ruleWords)) })
    : null;
  let model = null;
  if (alert.model) {
    const category = CATEGORY_WORDS[alert.model.category] ?? alert.model.category.replaceAll("_", " ");
    // The score in plain words: facilitators weigh "very likely" differently from "possibly".
    const value = alert.model.score ?? 0;
    const score = value.toLocaleString(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    model = value >= 0.95
      ? t("the screen's model thought this very likely sounded like {category} (score {score})", { category, score })
      : value >= 0.8
        ? t("the screen's model thought this likely sounded like {category} (score {score})", { category, score })
        : t("the screen's model thought this possibly sounded like {category} (score {score})", { category, score });
  }
  if (rules && model) return t("Why it was flagged: {rules}; {model}.", { rules, model });
  if (rules || model) return t("Why it was flagged: {reason}.", { reason: rules ?? model });
  return null;
}

/** Acknowledge, telling the server whether the screen was right (risk alerts only). */
function ack(alert, verdict) {
  send("alert.ack", verdict ? { alert: alert.id, verdict } : { alert: alert.id });
}

async function escalateAlert(alert) {
  const note = await askDialog({
    title: t("Pass this to the safeguarding lead"),
    body: t("The safeguarding lead will be told straight away. A short note helps them act."),
    field: { label: t("Note for the safeguarding lead (optional)"), placeholder: t("What you noticed, what you've done") },
    confirmText: t("Escalate"),
  });
  if (note === null) return;
  send("escalate", { alert: alert.id, note });
}

/** "Ann asked for help", or "Ann asked for help 4 times": repeated requests are merged
 *  into the open alert, counted. */
function alertHead(alert) {
  const say = alertSentences(alert);
  const name = alert.participant.name;
  return (alert.count ?? 1) > 1 ? say.times(name, alert.count) : say.head(name);
}

function alertRow(alert) {
  const minutes = Math.max(1, Math.round((alert.ack_within ?? 300) / 60));
  const about = aboutWords(alert);
  const why = signalWords(alert);
  return el("li", { class: `alert ${alert.severity}`, "data-alert": alert.id },
    el("p", { class: "alert-head" },
      el("strong", { text: alertHead(alert) }),
      el("time", { datetime: alert.at, text: ` ${timeOf(alert.at)}` })),
    alert.text ? el("p", { class: "alert-text", dir: "auto", text: alert.text }) : null,
    alert.message ? el("blockquote", { class: "alert-text", dir: "auto", text: alert.message.text }) : null,
    about ? el("p", { class: "hint", text: t("About: {about}", { about }) }) : null,
    why ? el("p", { class: "hint", text: why }) : null,
    alert.escalated || alert.overdue
      ? el("p", { class: "hint", text: alert.escalated ? t("The safeguarding lead has been told.") : t("Still waiting to be acknowledged.") })
      : null,
    el("p", { class: "hint", text: alert.severity === "urgent"
      ? tn("Urgent: please acknowledge within {n} minute.", "Urgent: please acknowledge within {n} minutes.", minutes)
      : tn("Please acknowledge within {n} minute and check in with them privately.",
        "Please acknowledge within {n} minutes and check in with them privately.", minutes) }),
    alert.kind === "risk"
      ? el("p", { class: "hint", text: t("“Right call” and “False alarm” acknowledge it too, and tell us how the screen did.") })
      : null,
    el("span", { class: "row-buttons" },
      ...(alert.kind === "risk"
        // The plain acknowledgement leads, so the buttons nudge nobody towards a verdict.
        ? [button(t("Acknowledge"), "ack", () => ack(alert), { class: "primary small-button" }),
          button(t("Right call"), "ack-right", () => ack(alert, "right"), { class: "small-button" }),
          button(t("False alarm"), "ack-false", () => ack(alert, "false_alarm"), { class: "small-button" })]
        : [button(t("Acknowledge"), "ack", () => ack(alert), { class: "primary small-button" })]),
      alert.escalated ? null : button(t("Escalate"), "escalate", () => escalateAlert(alert), { class: "small-button" }),
      alert.kind === "risk" && alert.message
        ? button(oneToOne ? t("Show the message in the chat") : t("Share the message with the group"),
          "release", () => releaseHeld(alert),
          { class: "small-button" })
        : null));
}

/** A held message goes to the group only once someone has read it again and is sure. */
async function releaseHeld(alert) {
  const ok = await confirmDialog(oneToOne ? {
    title: t("Show this message in the chat?"),
    quote: alert.message.text,
    body: t("It will appear in the conversation's chat, for everyone here to read. It was held because it may put {name} at risk. Only show it if you're sure that's right.",
      { name: alert.participant.name }),
    confirmText: t("Show it in the chat"), cancelText: t("Keep it private"),
  } : {
    title: t("Share this message with the whole group?"),
    quote: alert.message.text,
    body: t("Everyone in the group will read what {name} wrote. It was held because it may upset others or put {name} at risk. Only share it if you're sure it's safe for everyone.",
      { name: alert.participant.name }),
    confirmText: t("Share with the group"), cancelText: t("Keep it private"),
  });
  if (ok) send("chat.release", { message: alert.message.id });
}

/** Why a quiet check-in was raised, and "Done" (with the screen's verdict, if they like). */
function checkInBody(alert, where) {
  const name = `verdict-${where}-${alert.id}`;
  const why = signalWords(alert);
  const verdict = (value, text) => el("label", { class: "check" },
    el("input", { type: "radio", name, value }), el("span", { text }));
  const done = () => {
    const chosen = document.querySelector(`input[name="${name}"]:checked`);
    ack(alert, chosen?.value);
  };
  return el("div", { class: "check-in-body", "data-alert": alert.id },
    el("p", { class: "hint" }, ...withNodes(t("{name} wrote this at {time}:"),
      { name: el("span", { dir: "auto", text: alert.participant.name }),
        time: el("time", { datetime: alert.at, text: timeOf(alert.at) }) })),
    alert.message ? el("blockquote", { class: "alert-text", dir: "auto", text: alert.message.text }) : null,
    aboutWords(alert) ? el("p", { text: t("What it's about: {about}", { about: aboutWords(alert) }) }) : null,
    why ? el("p", { class: "hint", text: why }) : null,
    // Intrusive thoughts are common and frightening (docs/domain.md): kindness, not alarm.
    alert.categories?.includes("harm_to_baby")
      ? el("p", { class: "hint", text: t("Thoughts like this are common for new parents and often frightening for them. A kind word goes a long way.") })
      : null,
    el("p", { class: "hint", text: t("No rush: check in with them privately when it feels right, now or after the session.") }),
    el("fieldset", { class: "verdict" },
      el("legend", { text: t("Was the screen right to flag this? (optional)") }),
      verdict("right", t("Right call")), verdict("false_alarm", t("False alarm"))),
    el("span", { class: "row-buttons" },
      button(t("Done"), "check-in-done", done, { class: "primary small-button",
        "aria-label": t("Done: checked in with {name}", { name: alert.participant.name }) }),
      button(t("Pass to the safeguarding lead"), "escalate", () => escalateAlert(alert),
        { class: "link-button", hidden: alert.escalated })));
}

/** The quiet marker on a person's row: one tap shows why. */
function checkInMarker(person, open) {
  if (!open.length) return null;
  return el("details", { class: "check-in" },
    // The whole name as one sentence ("Check in with Ann: why"): word order differs.
    el("summary", { "data-action": "check-in", "aria-label": open.length > 1
      ? t("Check in ({count}) with {name}: why", { count: open.length, name: person.name })
      : t("Check in with {name}: why", { name: person.name }) },
    open.length > 1 ? t("Check in ({count})", { count: open.length }) : t("Check in")),
    ...open.map((a) => checkInBody(a, "row")));
}

function checkInItem(alert) {
  return el("li", {},
    el("details", { class: "check-in" },
      el("summary", { "data-action": "check-in" },
        el("strong", { text: alert.participant.name, dir: "auto" }),
        ` · ${aboutOrMessage(alert)} · `,
        el("time", { datetime: alert.at, text: timeOf(alert.at) })),
      checkInBody(alert, "list")));
}

function renderCheckIns() {
  const open = checkIns();
  reconcile($("check-ins"), open, (a) => a.id, (a) => `${a.id}:${a.escalated ? 1 : 0}`, checkInItem);
  $("check-ins-empty").hidden = open.length > 0;
  $("check-ins-count").hidden = open.length === 0;
  $("check-ins-count").textContent = `(${open.length})`;
}

/** Staff: show what needs attention in the tab's title, for when it is in the background. */
function renderTitle() {
  if (!isStaff()) return;
  // Quiet check-ins stay quiet: only what has a deadline (and the waiting room) counts.
  const waiting = deadlineAlerts().length + state.lobby.size;
  const urgent = deadlineAlerts().some(isUrgent);
  document.title = oneToOne
    ? (waiting === 0 ? t("One-to-one · Hearth")
      : urgent ? t("({count}) Urgent One-to-one · Hearth", { count: waiting })
        : t("({count}) One-to-one · Hearth", { count: waiting }))
    : waiting === 0 ? t("Group · Hearth")
      : urgent ? t("({count}) Urgent Group · Hearth", { count: waiting })
        : t("({count}) Group · Hearth", { count: waiting });
}

/** Staff on a phone: the links to the panels below the chat, with their counts. */
function renderJumps() {
  if (!isStaff()) return;
  const counts = { "jump-alerts": deadlineAlerts().length + checkIns().length,
    "jump-waiting": state.lobby.size, "jump-people": state.people.size };
  for (const [id, n] of Object.entries(counts)) {
    const link = $(id);
    link.querySelector(".count").textContent = `(${n})`;
    // Someone waiting, or an alert, stands out (in words too: the count).
    link.classList.toggle("has-some", n > 0 && id !== "jump-people");
  }
}

// A wide screen shows the facilitator's controls in a row, as they always were; a phone
// folds them behind "Group controls" (the same width as the desktop layout's switch).
const wideScreen = matchMedia("(min-width: 56rem)");
function fitControls() { $("group-controls").open = wideScreen.matches; }
wideScreen.addEventListener("change", fitControls);
fitControls();

function renderAlerts() {
  const signature = (a) => `${a.id}:${a.escalated ? 1 : 0}:${a.overdue ? 1 : 0}:${a.count ?? 1}`;
  const urgent = deadlineAlerts().filter(isUrgent);
  reconcile($("urgent-list"), urgent, (a) => a.id, signature, alertRow);
  $("urgent-alerts").hidden = urgent.length === 0;
  $("urgent-count").textContent = urgent.length > 1 ? `(${urgent.length})` : "";
  const alerts = deadlineAlerts().filter((a) => !isUrgent(a));
  reconcile($("alerts"), alerts, (a) => a.id, signature, alertRow);
  $("alerts-empty").hidden = alerts.length > 0;
  $("alerts-count").hidden = alerts.length === 0;
  $("alerts-count").textContent = `(${alerts.length})`;
  renderCheckIns();
  renderPeople(); // the check-in markers on people's rows (and the title)
}

function renderControls() {
  const me = state.you ? state.people.get(state.you.id) : null;
  const hand = $("hand");
  hand.textContent = me?.hand ? t("Lower hand") : t("Raise hand");
  hand.setAttribute("aria-pressed", me?.hand ? "true" : "false");
  const room = state.room;
  if (!room) return;
  $("lock").textContent = oneToOne
    ? (room.locked ? t("Unlock the conversation") : t("Lock the conversation"))
    : room.locked ? t("Unlock group") : t("Lock group");
  $("focus").textContent = room.focus ? t("Turn focus mode off") : t("Turn focus mode on");
  $("room-state").textContent = [
    room.locked ? t("Locked: nobody new can join.") : t("Open: people with the link can ask to join."),
    room.focus ? t("Focus mode is on: only facilitators see cameras.") : t("Focus mode is off: everyone sees cameras."),
  ].join(" ");
}

// ---- chat ------------------------------------------------------------------------------

function nearBottom(log) { return log.scrollHeight - log.scrollTop - log.clientHeight < 80; }

function appendToLog(item) {
  const log = $("chat-log");
  const stick = nearBottom(log);
  log.append(item);
  while (log.children.length > 500) log.firstElementChild.remove();
  if (stick) log.scrollTop = log.scrollHeight;
}

// Ids of this person's own held messages still in the log (a release replaces them).
const heldIds = new Set();

function addChat(message, { held = false } = {}) {
  const own = isYou(message.from.id);
  const toFacilitators = message.to === "facilitators";
  const toOne = message.to === "participant";
  const classes = ["msg", own ? "own" : "", toFacilitators || toOne || held ? "private" : "",
    held ? "held" : "", message.from.role !== "participant" ? "from-staff" : ""].filter(Boolean).join(" ");
  const to = message.participant?.name;
  const badge = held ? (oneToOne ? t("Only you and Hearth's staff see this") : t("Only you and the facilitators see this"))
    : toOne ? (!isStaff() ? (oneToOne ? t("Private: only you and Hearth's staff see this") : t("Private: only you and the facilitators see this"))
      : to ? t("Private to {name}", { name: to }) : t("Private to one parent"))
      : toFacilitators ? t("Only facilitators see this") : null;
  const item = el("li", { class: classes, "data-id": message.id },
    el("p", { class: "meta" },
      own ? el("span", { class: "who", text: t("You") }) : el("span", { class: "who", dir: "auto", text: message.from.name }),
      message.from.role !== "participant" && !own ? el("span", { class: "badge", text: staffBadge(message.from.role) }) : null,
      badge ? el("span", { class: "badge private-badge", text: badge }) : null,
      el("time", { datetime: message.at, text: timeOf(message.at) })),
    el("p", { class: "text", dir: "auto", text: message.text }),
    held ? el("p", { class: "hint", text: oneToOne
      ? t("Your volunteer will talk with you about it. The help shown on this page is there if you need it now.")
      : t("A facilitator will check in with you privately. The help shown on this page is there if you need it now.") }) : null);
  // A held message that a facilitator shares arrives again with the same id: it takes
  // the held one's place rather than appearing twice. Only then is the log searched.
  const before = heldIds.delete(message.id)
    ? [...$("chat-log").children].find((node) => node.dataset.id === message.id) : null;
  if (held) heldIds.add(message.id);
  if (before) before.replaceWith(item); else appendToLog(item);
}

function systemLine(text) {
  appendToLog(el("li", { class: "msg system" }, el("p", { class: "text", text })));
}

function onChatSubmit(event) {
  event.preventDefault();
  const box = $("chat-text");
  const text = box.value.trim();
  if (!text) { box.focus(); return; }
  const to = $("chat-to").value;
  // "p:<id>": a facilitator's private message to one parent.
  const fields = to.startsWith("p:") ? { to: "participant", participant: to.slice(2) } : { to };
  if (send("chat.send", { text, ...fields })) box.value = "";
  box.focus();
}

function onChatKey(event) {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $("chat-form").requestSubmit();
  }
}

// ---- actions ---------------------------------------------------------------------------

async function askForHelp() {
  const text = await askDialog({
    title: oneToOne ? t("Ask your volunteer for help") : t("Ask a facilitator for help"),
    body: oneToOne
      ? t("Only your volunteer, and our safeguarding lead if they need to, will see this. They'll talk with you about it.")
      : t("Only the facilitators will see this; nobody else in the group will know. They'll check in with you privately."),
    field: { label: t("Would you like to tell them anything? (optional)"), placeholder: t("You don't have to write anything") },
    confirmText: t("Ask for help"),
  });
  if (text === null) return;
  send("help.request", text ? { text } : {});
}

async function reportPerson(person) {
  const text = await askDialog({
    title: t("Tell the facilitators about {name}", { name: person.name }),
    body: t("Only the facilitators will see this. They won't tell anyone it came from you."),
    field: { label: t("What worried you? (optional)") },
    confirmText: t("Tell the facilitators"),
  });
  if (text === null) return;
  if (send("report", text ? { participant: person.id, text } : { participant: person.id })) {
    notice(t("Thank you for telling us. The facilitators will look into it."));
  }
}

// A facilitator saw something worrying the screen did not flag: only a count is kept.
// Confirmed beside the button (the notices are off-screen on a phone by then).
function screenMissed(person, from) {
  if (!send("screen.missed", { participant: person.id })) return;
  const items = from.closest(".menu-items");
  items.querySelector(".missed-done")?.remove();
  items.append(el("p", { class: "hint missed-done", role: "status",
    text: t("Thank you: counted for {name}. Only the count is kept, never their words.", { name: person.name }) }));
}

async function denyPerson(person) {
  const ok = await confirmDialog({
    title: t("Turn {name} away?", { name: person.name }),
    body: t("They'll see a kind message saying they can't join today. If they try the link again, they'll be back in the waiting room for you to decide."),
    confirmText: t("Turn away"), danger: true,
  });
  if (ok) send("lobby.deny", { participant: person.id });
}

async function removePerson(person, ban) {
  const ok = await confirmDialog({
    title: ban ? t("Remove and ban {name}?", { name: person.name }) : t("Remove {name}?", { name: person.name }),
    body: ban
      ? t("They'll leave the group now, and this browser won't be able to join this group again.")
      : t("They'll leave the group now. If they use the link again, they'll wait in the waiting room for you to decide."),
    confirmText: ban ? t("Remove and ban") : t("Remove"), danger: true,
  });
  if (ok) send("participant.remove", { participant: person.id, ban });
}

/** Every parent's microphone off (not locked: each can turn theirs on again). */
async function muteEveryone() {
  const speaking = [...state.people.values()].filter((p) => p.role === "participant" && p.audio);
  if (!speaking.length) {
    notice(t("Nobody's microphone is on."));
    return;
  }
  const ok = await confirmDialog({
    title: t("Mute everyone?"),
    body: t("Every parent's microphone goes off. Each of them can turn it on again when they're ready."),
    confirmText: t("Mute everyone"),
  });
  if (!ok) return;
  for (const person of speaking) send("participant.mute", { participant: person.id, lock: false });
}

async function endSession() {
  const ok = await confirmDialog(oneToOne ? {
    title: t("End the conversation?"),
    body: t("It ends for everyone here, and the chat will be gone."),
    confirmText: t("End the conversation"), danger: true,
  } : {
    title: t("End the session for everyone?"),
    body: t("Everyone will see that the session has ended, and the chat will be gone."),
    confirmText: t("End session"), danger: true,
  });
  if (ok) send("room.end");
}

async function leave() {
  const ok = await confirmDialog(oneToOne ? {
    title: t("Leave the conversation?"),
    body: isStaff()
      ? t("If nobody else from Hearth is here, the conversation will pause until you come back.")
      : t("It's fine to leave whenever you need to. If you change your mind, you can come back while the session is on: you'll wait in the waiting room until your volunteer lets you back in."),
    confirmText: t("Leave the conversation"), cancelText: t("Stay"),
  } : {
    title: t("Leave the group?"),
    body: isStaff()
      ? t("If you're the only facilitator here, the group will pause until one comes back.")
      : t("It's fine to leave whenever you need to. If you change your mind, you can rejoin while the session is on: you'll wait in the waiting room until a facilitator lets you back in."),
    confirmText: t("Leave"), cancelText: t("Stay"),
  });
  if (!ok || state.place === "gone") return;
  send("leave");
  forgetSession();
  finish("left");
}

// ---- coming back after leaving ---------------------------------------------------------
// The token stays in this page's memory only (sessionStorage is cleared on leaving, so a
// Quick exit from the end view leaves nothing behind), until it expires.
let rejoinTimer = null;

function rejoinable() {
  if (!session?.token) return false;
  return !Number.isFinite(session.expires_at) || Date.now() < session.expires_at;
}

function offerRejoin() {
  const next = $("end-next");
  next.replaceChildren(button(oneToOne ? t("Rejoin the conversation") : t("Rejoin the group"), "rejoin", rejoin,
    { class: "primary" }), " ",
  isStaff()
    ? el("a", { href: "/staff", text: t("Back to your groups") })
    : el("span", { class: "hint", text: oneToOne
      ? t("You'll wait in the waiting room until your volunteer lets you in.")
      : t("You'll wait in the waiting room until a facilitator lets you in.") }));
  clearTimeout(rejoinTimer);
  if (Number.isFinite(session.expires_at)) {
    // setTimeout's longest wait is about 24 days; a token lasts hours.
    const wait = Math.min(Math.max(0, session.expires_at - Date.now()), 2 ** 31 - 1);
    rejoinTimer = setTimeout(() => {
      if (state.place !== "gone") return;
      next.replaceChildren(isStaff() ? el("a", { href: "/staff", text: t("Back to your groups") })
        : t("You can close this tab now."));
    }, wait);
  }
}

/** A fresh hello with the kept token: like any rejoin, it ends in the waiting room. */
function rejoin() {
  clearTimeout(rejoinTimer);
  if (!rejoinable()) { state.place = "connecting"; finish("expired"); return; }
  keepSession(session);
  retries = 0;
  droppedAt = null;
  state.people = new Map();
  state.lobby = new Map();
  state.alerts = new Map();
  $("chat-log").replaceChildren();
  show("connecting");
  setStatus(t("Connecting…"));
  document.getElementById("main")?.focus();
  connect();
}

// ---- the end of a visit --------------------------------------------------------------

const ENDINGS = {
  left: [t("You've left the group"), t("Thank you for coming. Take care of yourself.")],
  denied: [t("Sorry, you can't join the group today"),
    t("The facilitator wasn't able to let you in this time. This isn't a judgement about you. If you think it's a mistake, please contact whoever shared the link with you.")],
  removed: [t("A facilitator has asked you to leave"),
    t("Your place in today's group has ended. If you'd like to talk about it, please contact whoever shared the link with you.")],
  ended: [t("The session has ended"), t("Thank you for coming. We hope it helped to be here.")],
  replaced: [t("The group is open in another tab"), t("You can carry on there, and close this tab.")],
  expired: [t("Your link has expired"), t("Please open your group's invite link again to rejoin.")],
  locked: [t("The group is closed to new arrivals"), t("The facilitator has locked the group for now. Please try your invite link again a little later.")],
  banned: [t("You can't rejoin this group"), t("If you think this is a mistake, please contact whoever shared the link with you.")],
  flooding: [t("You've been disconnected"), t("Too many messages were sent at once. Please use your invite link to join again.")],
  lost: [t("We've lost the connection"), t("Please check your internet connection, then refresh this page to rejoin.")],
  nosession: [t("You're not in a group right now"), t("To join a group, please use the invite link you were given.")],
};

// What staff see instead, where their view of the ending differs.
const STAFF_ENDINGS = {
  left: [t("You've left the group"), t("If you were the only facilitator, the group is paused until one comes back.")],
  ended: [t("The session has ended"), t("Everyone has been told, and the chat is gone. Thank you for facilitating.")],
};

// A one-to-one room's own words, where a group's speak of a group (the rest are the same).
const ONE_TO_ONE_ENDINGS = {
  left: [t("You've left the conversation"), t("Thank you for talking with us. Take care of yourself.")],
  denied: [t("Sorry, you can't join the conversation today"),
    t("Your volunteer wasn't able to let you in this time. This isn't a judgement about you. If you think it's a mistake, please contact whoever shared the link with you.")],
  removed: [t("Your volunteer has closed the conversation for you"),
    t("Your place in today's conversation has ended. If you'd like to talk about it, please contact whoever shared the link with you.")],
  ended: [t("Your volunteer has ended the conversation"), t("Thank you for talking with your volunteer. We hope it helped.")],
  replaced: [t("The conversation is open in another tab"), t("You can carry on there, and close this tab.")],
  expired: [t("Your link has expired"), t("Please open your invite link again to rejoin.")],
  locked: [t("The conversation isn't open just now"), t("Your volunteer isn't letting anyone in just now. Please try your link again a little later.")],
  banned: [t("You can't rejoin this conversation"), t("If you think this is a mistake, please contact whoever shared the link with you.")],
};
const ONE_TO_ONE_STAFF_ENDINGS = {
  left: [t("You've left the conversation"), t("If nobody else from Hearth is there, the conversation is paused until you come back.")],
  ended: [t("The conversation has ended"), t("It has ended for everyone, and the chat is gone. Thank you for being there for her.")],
};

function ending(why) {
  if (oneToOne) {
    return (isStaff() && ONE_TO_ONE_STAFF_ENDINGS[why]) || ONE_TO_ONE_ENDINGS[why] || ENDINGS[why] || ENDINGS.lost;
  }
  return (isStaff() && STAFF_ENDINGS[why]) || ENDINGS[why] || ENDINGS.lost;
}

function finish(why) {
  if (state.place === "gone") return;
  const [title, text] = ending(why);
  if (why !== "replaced" && why !== "lost") forgetSession();
  clearNotices();
  show("gone");
  $("end-title").textContent = title;
  $("end-text").textContent = text;
  const next = $("end-next");
  if (why === "lost") {
    next.replaceChildren(button(t("Try again"), "reload", () => location.reload(), { class: "primary" }));
  } else if (why === "left" && rejoinable()) {
    offerRejoin();
  } else if (isStaff()) {
    next.replaceChildren(el("a", { href: "/staff", text: t("Back to your groups") }));
  } else {
    next.textContent = t("You can close this tab now.");
  }
  showEndCheckIns(isStaff() ? checkIns() : []);
  offerDebrief(why);
  offerCheckIn(why);
  setStatus(title);
  media.close();
  const closing = socket;
  socket = null;
  if (closing && closing.readyState <= WebSocket.OPEN) closing.close(1000);
  $("end-view").focus();
}

/** Staff who left, or whose session ended: their debrief of this session (the server finds
 * their newest one in this group, once its time is recorded). */
function offerDebrief(why) {
  const offered = isStaff() && (why === "left" || why === "ended") && Boolean(state.room?.id);
  $("end-debrief").hidden = !offered;
  if (offered) {
    $("end-debrief-link").href = `/account/debrief?room=${encodeURIComponent(state.room.id)}`;
  }
}

/** Parents who left, or whose session ended: the impact report's one anonymous question. */
function offerCheckIn(why) {
  const token = session?.token;
  const offered = !isStaff() && (why === "left" || why === "ended") && Boolean(token);
  $("end-feel").hidden = !offered;
  $("end-feel-answers").hidden = false;
  $("end-feel-done").hidden = true;
  if (!offered) return;
  for (const choice of $("end-feel-answers").querySelectorAll("button[data-feel]")) {
    choice.onclick = async () => {
      $("end-feel-answers").hidden = true;
      const done = $("end-feel-done");
      try {
        await postJSON("/api/check-in", { token, answer: choice.dataset.feel });
        done.textContent = choice.dataset.feel === "worse"
          ? t("Thank you for telling us. If you'd like to talk to someone today, the people below are there for you.")
          : t("Thank you for telling us.");
      } catch {
        // Nothing to put right: the question is optional, and she has already left.
        done.textContent = t("Thank you. Your answer couldn't be sent, and that's fine.");
      }
      done.hidden = false;
      done.focus();
    };
  }
}

/** Staff: who might welcome a check-in, so nobody is forgotten once the room has gone. */
function showEndCheckIns(open) {
  $("end-check-ins").hidden = open.length === 0;
  $("end-check-ins-list").replaceChildren(...open.map((a) => el("li", {},
    el("strong", { text: a.participant.name, dir: "auto" }),
    el("span", {}, `${aboutOrMessage(a)} · `,
      el("time", { datetime: a.at, text: timeOf(a.at) })),
    a.message ? el("blockquote", { class: "alert-text", dir: "auto", text: a.message.text }) : null)));
}

// ---- protocol -----------------------------------------------------------------------------

const ERRORS = {
  room_paused: oneToOne
    ? t("The conversation is paused until your volunteer is back, so messages can't be sent just now.")
    : t("The group is paused until a facilitator is back, so messages can't be sent just now."),
  rate_limited: t("You're sending messages quite quickly. Please wait a moment and try again."),
  bad_message: t("That message couldn't be sent. Please try again."),
  not_found: t("That person or alert isn't here any more."),
};

const handlers = {
  welcome(m) {
    const first = !everWelcomed;
    const was = state.place;
    everWelcomed = true;
    retries = 0;
    droppedAt = null;
    moves = 0;
    state.you = m.you;
    state.room = m.room;
    state.paused = !m.room.live;
    state.people = new Map((m.participants ?? []).map((p) => [p.id, p]));
    state.lobby = new Map((m.lobby ?? []).map((p) => [p.id, p]));
    state.alerts = new Map((m.alerts ?? []).map((a) => [a.id, a]));
    state.quality = new Map(); // the server sends everyone's level after the welcome
    state.signposting = m.signposting ?? {};
    media.welcome(m);
    setRole();
    renderRoomName();
    show(m.state);
    renderPeople();
    renderAlerts();
    renderPaused();
    if (m.state === "lobby") setStatus(t("You're in the waiting room."));
    if (!first && m.state === "room") systemLine(t("You're connected again. Messages sent while you were away aren't shown."));
    // Why the connection dropped, when the server kept their place through a restart
    // (docs/protocol.md, welcome.restarted) or the group moved to another server because
    // its own stopped (welcome.failover), or could not.
    if (m.failover && (m.restarted || !first)) {
      notice(oneToOne ? t("The conversation moved to another server after a connection problem. You're back in.")
        : t("The group moved to another server after a connection problem. You're back in."));
    } else if (m.restarted) {
      notice(oneToOne ? t("Hearth's server restarted; you're back in the conversation.")
        : t("The group's server restarted; you're back in the group."));
    } else if (!first && was === "room" && m.state === "lobby") {
      notice(oneToOne ? t("You were away for a while, so you're back in the waiting room. Your volunteer will let you in again soon.")
        : t("You were away for a while, so you're back in the waiting room. A facilitator will let you in again soon."));
    }
  },
  waiting(m) {
    const early = m.reason === "no_facilitator";
    if (oneToOne) {
      $("lobby-reason").textContent = early
        ? t("Your volunteer isn't here yet. They'll let you in when they arrive.")
        : t("Your volunteer will let you in shortly.");
      setStatus(early ? t("You're in the waiting room. Your volunteer isn't here yet.")
        : t("You're in the waiting room. Your volunteer will let you in shortly."));
      return;
    }
    const text = early
      ? t("The group hasn't started yet. It will start when a facilitator arrives, and they'll let you in.")
      : t("A facilitator will let you in soon.");
    $("lobby-reason").textContent = text;
    setStatus(early
      ? t("You're in the waiting room. The group starts when a facilitator arrives.")
      : t("You're in the waiting room. A facilitator will let you in soon."));
  },
  admitted(m) {
    state.people = new Map(m.participants.map((p) => [p.id, p]));
    state.paused = false; // a facilitator has just let them in
    show("room");
    renderPeople();
    renderPaused();
    setStatus(roomStatus());
    systemLine(oneToOne ? t("You're with your volunteer now. Say hello whenever you're ready.")
      : t("You've joined the group. Say hello whenever you're ready, or just listen."));
  },
  denied() { finish("denied"); },
  removed() { finish("removed"); },
  "room.ended"() { finish("ended"); },
  "participant.joined"(m) {
    state.people.set(m.participant.id, m.participant);
    renderPeople();
    systemLine(t("{name} joined.", { name: m.participant.name }));
  },
  "participant.left"(m) {
    const person = state.people.get(m.id);
    state.people.delete(m.id);
    state.quality.delete(m.id);
    renderPeople();
    if (person) systemLine(t("{name} left.", { name: person.name }));
  },
  "participant.updated"(m) {
    const before = state.people.get(m.participant.id);
    state.people.set(m.participant.id, m.participant);
    renderPeople();
    if (isStaff() && m.participant.hand && !before?.hand && !isYou(m.participant.id)) {
      announce(t("{name} raised their hand.", { name: m.participant.name }));
    }
  },
  "lobby.knock"(m) {
    state.lobby.set(m.participant.id, m.participant);
    renderPeople();
    announce(t("{name} is waiting to join.", { name: m.participant.name }));
  },
  "lobby.left"(m) { state.lobby.delete(m.id); renderPeople(); },
  // The server measures the round trip: answer at once, and nothing else.
  ping(m) { if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "pong", n: m.n })); },
  "participant.quality"(m) {
    for (const [id, level] of Object.entries(m.people ?? {})) {
      if (level) state.quality.set(id, level); else state.quality.delete(id);
    }
    renderPeople();
  },
  "lobby.note"(m) {
    if (isStaff()) {
      $("lobby-said").textContent = t("Sent to the waiting room: “{text}”", { text: m.text });
      return;
    }
    const note = $("lobby-note");
    // The waiting room is not told who wrote it (invariant 3): "the facilitator" will do.
    note.textContent = oneToOne ? t("From your volunteer: {text}", { text: m.text })
      : t("From the facilitator: {text}", { text: m.text });
    note.dir = "auto";
    note.hidden = false;
  },
  chat(m) {
    addChat(m);
    if (m.to === "participant" && !isStaff()) {
      // Her reply should be private too, unless she chooses otherwise.
      $("chat-to").value = "facilitators";
      notice(oneToOne ? t("{name} has written to you privately.", { name: m.from.name })
        : t("{name} has written to you privately. Your reply will go to the facilitators only; you can change that under Send to.",
          { name: m.from.name }));
      announce(t("{name} has written to you privately: {text}", { name: m.from.name, text: m.text }));
    }
  },
  "room.updated"(m) {
    const wasLocked = state.room?.locked;
    state.room = m.room;
    renderControls();
    media.roomChanged();
    if (isStaff() && wasLocked !== m.room.locked) {
      announce(oneToOne ? (m.room.locked ? t("The conversation is locked.") : t("The conversation is open again."))
        : m.room.locked ? t("The group is locked.") : t("The group is open again."));
    }
  },
  "room.paused"() {
    state.paused = true;
    renderPaused();
    systemLine(oneToOne ? t("Your volunteer has stepped out. The conversation is paused until they're back.")
      : t("The facilitator has stepped out. The group is paused until one is back."));
  },
  "room.resumed"() {
    state.paused = false;
    renderPaused();
    systemLine(oneToOne ? t("Your volunteer is back. The conversation carries on.")
      : t("A facilitator is back. The group carries on."));
  },
  muted(m) {
    media.handle(m);
    // In a one-to-one room the words name nobody: her volunteer, or a lead who came in.
    if (oneToOne) {
      notice(m.locked ? t("Your microphone has been muted for now. You can still chat.")
        : t("Your microphone has been muted. You can turn it on again when you're ready."));
      return;
    }
    notice(m.locked
      ? t("A facilitator has muted your microphone for now. You can still chat.")
      : t("A facilitator has muted your microphone. You can turn it on again when you're ready."));
  },
  allowed(m) {
    media.handle(m);
    notice(oneToOne ? t("You can use your microphone again.")
      : t("A facilitator says you can use your microphone again."));
  },
  "aside.started"(m) { media.handle(m); renderPeople(); },
  "aside.ended"(m) { media.handle(m); renderPeople(); },
  "help.received"() {
    notice(oneToOne ? t("Thank you for telling us. Your volunteer has been told and will talk with you about it.")
      : t("Thank you for telling us. A facilitator has been told and will check in with you privately."));
  },
  signpost(m) { showSignpost(m.resources ?? []); },
  "chat.held"(m) {
    // Her words stay in her own chat, marked as seen only by her and the facilitators.
    addChat({ id: m.id, from: state.you, text: m.text ?? "", to: "facilitators", at: m.at },
      { held: true });
  },
  alert(m) {
    const known = state.alerts.has(m.id);
    state.alerts.set(m.id, { ...state.alerts.get(m.id), ...m }); // a re-sent one keeps what we knew
    renderAlerts();
    if (isUrgent(m) && !known) {
      // Interrupts whatever a screen reader is saying, and rings if they turned it on.
      announce(alertSentences(m).urgent(m.participant.name), { urgent: true });
      alarm.ring(m.participant.name, m.id);
      return;
    }
    announce(isCheckIn(m)
      ? t("Check in with {name} when you can: {about}.", { name: m.participant.name, about: aboutOrMessage(m) })
      : alertSentences(m).plain(m.participant.name));
  },
  "alert.acked"(m) { state.alerts.delete(m.alert); renderAlerts(); },
  "alert.escalated"(m) {
    const alert = state.alerts.get(m.alert);
    if (alert) { state.alerts.set(m.alert, { ...alert, escalated: true }); renderAlerts(); }
  },
  ack() {},
  error(m) {
    if (m.code === "unauthorized") return; // the close that follows explains it
    if (m.code === "moved") { // the group runs on another server: 4307 follows, then we go there
      movedTo = m.ws_url || null;
      if (movedTo && session) { session.ws_url = movedTo; keepSession(session); }
      return;
    }
    if (media.error(m)) return; // about listening or a device: shown in the media panel
    notice(ERRORS[m.code] ?? friendlyMessage(m.code === "forbidden" ? null : m.code, m.message), "problem");
  },
};

function showSignpost(resources) {
  const list = $("signpost-list");
  list.replaceChildren(...resources.map(resourceItem));
  const box = $("signpost");
  box.hidden = false;
  box.focus();
}

const CLOSE_REASONS = {
  4401: "expired",
  4403: "banned",
  4409: "replaced",
  4423: "locked",
  4429: "flooding",
};

// This page's own server: any node answers, and sends us on (`moved`) if another runs the group.
const ownSocketUrl = () => `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;

/** Open the group's WebSocket: at the node that runs the group (`session.ws_url`: the
 *  join answer's, where a `moved` error sent us, or where the page was last welcomed),
 *  else this page's own server. After a dropped connection that node is tried first: the
 *  group most likely still runs there (a blip of the network; or Redis away, when only
 *  the group's own server can let anyone back in).
 *  `fallback`: where to go at once if `url` cannot be opened at all (its server has
 *  gone): this page's own server, which knows where the group runs now. */
function connect(url = session.ws_url || ownSocketUrl(), fallback = ownSocketUrl()) {
  const ws = new WebSocket(url);
  socket = ws;
  let opened = false;
  // features: this page answers pings and (for staff) shows connection quality.
  ws.addEventListener("open", () => {
    opened = true;
    ws.send(JSON.stringify({ type: "hello", token: session.token, features: ["ping", "quality"] }));
  });
  ws.addEventListener("message", (event) => {
    if (ws !== socket) return;
    let message;
    try { message = JSON.parse(event.data); } catch { return; }
    if (!message || typeof message !== "object") return;
    if (message.type === "welcome" && session.ws_url !== url) {
      // Where the group runs, kept with the session: a reconnection, a rejoin or a reload
      // tries it first (see connect), not a server the group has left.
      session.ws_url = url;
      keepSession(session);
    }
    if (Object.hasOwn(handlers, message.type)) handlers[message.type](message);
    else media.handle(message); // media.answer, media.slots, ...
  });
  ws.addEventListener("close", (event) => {
    if (ws !== socket || state.place === "gone") return;
    socket = null;
    if (!opened && fallback && fallback !== url) { connect(fallback, null); return; }
    if (event.code === 4307 && movedTo && moves < 5) {
      // The same token at the group's new server: an admitted person keeps their place.
      const next = movedTo;
      movedTo = null;
      moves += 1;
      connect(next, null);
      return;
    }
    const why = CLOSE_REASONS[event.code];
    if (why) { finish(why); return; }
    if (event.code === 1000) { finish("ended"); return; }
    // Dropped (network, a server restarting or gone, 1013 while the group cannot be
    // placed): try again, soon at first, then every few seconds, for a minute.
    droppedAt ??= Date.now();
    if (Date.now() - droppedAt < RETRY_FOR) {
      const delay = RETRY_DELAYS[Math.min(retries, RETRY_DELAYS.length - 1)];
      retries += 1;
      setStatus(t("The connection dropped. Reconnecting…"));
      // Where the group ran, else (or if that server has gone) this page's own server.
      // A little jitter, so a whole group whose server went away does not come back in
      // the same millisecond.
      setTimeout(() => { if (state.place !== "gone") connect(); },
        delay * (1 + Math.random() / 5));
    } else {
      finish("lost");
    }
  });
}

// ---- wiring ------------------------------------------------------------------------------

$("chat-form").addEventListener("submit", onChatSubmit);
watchDraft($("chat-text"), $("draft-support"), () => state.signposting);
$("chat-text").addEventListener("keydown", onChatKey);
$("hand").addEventListener("click", () => {
  const me = state.you ? state.people.get(state.you.id) : null;
  send(me?.hand ? "hand.lower" : "hand.raise");
});
$("help").addEventListener("click", askForHelp);
$("lobby-help").addEventListener("click", askForHelp);
$("leave").addEventListener("click", leave);
$("lobby-leave").addEventListener("click", leave);
$("lock").addEventListener("click", () => send(state.room?.locked ? "room.unlock" : "room.lock"));
$("focus").addEventListener("click", () => send("room.focus", { on: !state.room?.focus }));
$("end").addEventListener("click", endSession);
// Everyone waiting comes in at once (one lobby.admit each, as the list shows them).
$("admit-all").addEventListener("click", () => {
  for (const id of state.lobby.keys()) send("lobby.admit", { participant: id });
});
$("mute-all").addEventListener("click", muteEveryone);
$("lobby-say").addEventListener("submit", (event) => {
  event.preventDefault();
  const box = $("lobby-say-text");
  const text = box.value.trim();
  if (text && send("lobby.say", { text })) box.value = "";
});
$("signpost-hide").addEventListener("click", () => { $("signpost").hidden = true; });

/** Say goodbye as the page goes (Quick exit, or a support site opening in this tab):
 *  the place is given up and nothing is left in the tab's storage. */
function goodbye() {
  if (socket?.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify({ type: "leave" }));
    socket.close(1000);
  }
  state.place = "gone";
  clearTimeout(rejoinTimer);
  forgetSession();
}
onQuickExit(goodbye); // after media.js's hook: devices off first
openSupportHere({
  inGroup: () => state.place === "lobby" || state.place === "room",
  beforeLeaving: () => { media.close(); goodbye(); },
});

/** A one-to-one room: the server-rendered page's words (room.html) that speak of a group,
 *  in a conversation's words instead (set once, before anything is shown). */
function conversationWords() {
  app.dataset.kind = "one_to_one";
  document.title = t("One-to-one · Hearth");
  showRoomName(t("One-to-one support"));
  $("lobby-reason").textContent = t("Your volunteer will let you in shortly.");
  $("lobby-unseen").textContent = t("Nobody can see you while you wait, and you don't need to do anything. Perhaps make a cup of tea.");
  $("lobby-worry").textContent = t("If something is worrying you, you can ask your volunteer for help at any time.");
  $("signpost-told").textContent = t("Your volunteer has been told and will talk with you about it. If you or your baby are in danger now, call 999.");
  $("toolbar").setAttribute("aria-label", t("Conversation actions"));
  $("group-controls").querySelector("summary").textContent = t("Controls");
  $("end").textContent = t("End the conversation");
  $("media-listen").textContent = t("Listen");
  $("media-hint").textContent = t("You're taking part by chat. You can listen and talk too, if you'd like. Your microphone and camera stay off unless you turn them on.");
  for (const id of ["leave", "lobby-leave"]) $(id).textContent = t("Leave the conversation");
  $("people-title").firstChild.textContent = t("In the conversation") + " ";
  $("end-feel-why").textContent = t("Only if you'd like to say. It's anonymous: it helps the people who run Hearth show what they do.");
  $("end-one-to-one").remove(); // she has one already
}

if (session?.token) {
  if (oneToOne) conversationWords();
  else if (session.room?.name) showRoomName(session.room.name);
  connect();
} else {
  app.dataset.role = "participant";
  finish("nosession");
}
