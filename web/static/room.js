// The group page: one WebSocket to the server, protocol v1 (docs/protocol.md).
// Everything people type is shown with textContent, never as HTML.
import { forgetSession, readSession } from "./api.js";
import { onQuickExit } from "./quick-exit.js";

const app = document.getElementById("app");
const session = readSession();

const state = {
  you: null, room: null, place: "connecting", people: new Map(), lobby: new Map(),
  alerts: new Map(), paused: false, muted: false, locked: false,
};
let socket = null;
let refs = 0;

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

function send(type, fields = {}) {
  if (socket?.readyState !== WebSocket.OPEN) return;
  socket.send(JSON.stringify({ type, ref: String(++refs), ...fields }));
}

const isStaff = () => state.you && state.you.role !== "participant";

// ---- layout -------------------------------------------------------------------

const status = el("p", { id: "status", class: "status", role: "status" });
const notices = el("div", { id: "notices" });
const peopleList = el("ul", { class: "people", id: "people" });
const lobbyList = el("ul", { class: "people", id: "lobby" });
const alertList = el("ul", { class: "alerts", id: "alerts" });
const chatLog = el("ul", { class: "chat-log", id: "chat-log", "aria-live": "polite" });
const chatText = el("textarea", { id: "chat-text", maxlength: "2000", rows: "2",
  "aria-label": "Message", placeholder: "Write a message…" });
const chatTo = el("select", { id: "chat-to", "aria-label": "Send to" },
  el("option", { value: "room", text: "Everyone" }),
  el("option", { value: "facilitators", text: "Facilitators only" }));
const controls = el("div", { class: "controls", id: "controls" });
const staffControls = el("div", { class: "controls", id: "staff-controls" });

function layout() {
  app.replaceChildren(status, notices);
  if (state.place === "room") {
    app.classList.add("in-room");
    const side = el("section", { class: "panel" }, el("h2", { text: "In the group" }), peopleList);
    if (isStaff()) {
      side.append(el("h2", { text: "Waiting to join" }), lobbyList,
                  el("h2", { text: "Alerts" }), alertList);
    }
    const chatForm = el("form", { class: "chat-form", id: "chat-form", onsubmit: onChatSubmit },
      chatText, chatTo, el("button", { type: "submit", text: "Send" }));
    const main = el("section", { class: "panel" }, el("h2", { text: "Chat" }), chatLog, chatForm,
      controls, isStaff() ? staffControls : null);
    app.append(side, main);
  } else if (state.place === "lobby") {
    app.classList.remove("in-room");
    app.append(el("section", { class: "panel" },
      el("p", { text: "While you wait, you can ask a facilitator for help privately at any time." }),
      controls));
  }
  renderControls();
}

// ---- rendering ------------------------------------------------------------------

function setStatus(text) { status.textContent = text; }

function notice(text, kind = "notice") {
  notices.replaceChildren(el("p", { class: kind, role: "alert", text }));
}

function personRow(person, waiting = false) {
  const you = state.you && person.id === state.you.id;
  const label = `${person.name}${you ? " (you)" : ""}${person.role !== "participant" ? " · facilitator" : ""}`;
  const row = el("li", { "data-id": person.id },
    el("span", { class: "name", text: label }),
    person.hand ? el("span", { title: "Hand raised", text: "✋" }) : null,
    person.audio ? el("span", { title: "Microphone on", text: "🎙" }) : null);
  if (isStaff() && !you && person.role === "participant") {
    const target = { participant: person.id };
    if (waiting) {
      row.append(el("button", { type: "button", text: "Admit", onclick: () => send("lobby.admit", target) }),
                 el("button", { type: "button", text: "Deny", onclick: () => send("lobby.deny", target) }));
    } else {
      if (person.hand) row.append(el("button", { type: "button", text: "Lower hand", onclick: () => send("hand.lower", target) }));
      row.append(
        el("button", { type: "button", text: "Mute", onclick: () => send("participant.mute", { ...target, lock: false }) }),
        el("button", { type: "button", text: "Mute & lock", onclick: () => send("participant.mute", { ...target, lock: true }) }),
        el("button", { type: "button", text: "Allow to speak", onclick: () => send("participant.allow", target) }),
        el("button", { type: "button", text: "Remove", onclick: () => confirm(`Remove ${person.name}?`) && send("participant.remove", { ...target, ban: false }) }),
        el("button", { type: "button", text: "Ban", onclick: () => confirm(`Remove and ban ${person.name}?`) && send("participant.remove", { ...target, ban: true }) }));
    }
  } else if (!you && person.role === "participant" && state.you?.role === "participant" && !waiting) {
    row.append(el("button", { type: "button", text: "Report", onclick: () => {
      const text = prompt(`Tell the facilitators what worried you about ${person.name} (optional):`);
      if (text !== null) send("report", { participant: person.id, text });
    } }));
  }
  return row;
}

function renderPeople() {
  peopleList.replaceChildren(...[...state.people.values()].map((p) => personRow(p)));
  lobbyList.replaceChildren(...[...state.lobby.values()].map((p) => personRow(p, true)));
  if (isStaff() && state.lobby.size === 0) lobbyList.append(el("li", { class: "small", text: "Nobody is waiting." }));
}

function renderAlerts() {
  alertList.replaceChildren(...[...state.alerts.values()].map((alert) => {
    const what = { help: "asked for help", report: "was reported", risk: "may need support" }[alert.kind];
    return el("li", { class: alert.severity, "data-alert": alert.id },
      el("strong", { text: `${alert.participant.name} ${what}` }),
      alert.text ? el("p", { text: alert.text }) : null,
      alert.message ? el("p", { text: `“${alert.message.text}”` }) : null,
      el("button", { type: "button", text: "Acknowledge", onclick: () => send("alert.ack", { alert: alert.id }) }));
  }));
  if (state.alerts.size === 0) alertList.append(el("li", { class: "small", text: "No open alerts." }));
}

function renderControls() {
  const me = state.you && state.people.get(state.you.id);
  const buttons = [];
  if (state.place === "room") {
    buttons.push(me?.hand
      ? el("button", { type: "button", id: "hand", text: "Lower hand", onclick: () => send("hand.lower") })
      : el("button", { type: "button", id: "hand", text: "Raise hand", onclick: () => send("hand.raise") }));
  }
  if (state.you?.role === "participant") {
    buttons.push(el("button", { type: "button", id: "help", text: "Ask for help privately", onclick: askForHelp }));
  }
  buttons.push(el("button", { type: "button", id: "leave", text: "Leave", onclick: leave }));
  controls.replaceChildren(...buttons);
  staffControls.replaceChildren(
    state.locked
      ? el("button", { type: "button", id: "unlock", text: "Unlock group", onclick: () => send("room.unlock") })
      : el("button", { type: "button", id: "lock", text: "Lock group", onclick: () => send("room.lock") }),
    el("button", { type: "button", id: "focus", text: state.room?.focus ? "Focus mode: on" : "Focus mode: off",
      onclick: () => send("room.focus", { on: !state.room?.focus }) }),
    el("button", { type: "button", id: "end", text: "End session", onclick: () => confirm("End the session for everyone?") && send("room.end") }));
}

function addChat(message) {
  const own = state.you && message.from.id === state.you.id;
  const who = `${message.from.name}${own ? " (you)" : ""}`;
  const time = new Date(message.at).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
  chatLog.append(el("li", { class: message.to === "facilitators" ? "private" : "", "data-id": message.id },
    el("span", { class: "who", text: who }),
    message.to === "facilitators" ? el("span", { class: "small", text: "(to facilitators) " }) : null,
    el("span", { class: "text", text: message.text }),
    el("span", { class: "small", text: ` ${time}` })));
  chatLog.scrollTop = chatLog.scrollHeight;
}

function showSignpost(resources) {
  const box = el("section", { class: "signpost", id: "signpost", role: "region", "aria-label": "Where to get help" },
    el("h2", { text: "Help is there for you" }),
    el("p", { text: "Your facilitator has been told and will check in with you privately. If you're in danger now, call 999." }),
    el("ul", {}, ...resources.map((r) => el("li", {},
      el("strong", { text: r.name }), ` ${r.contact}`, r.hours ? ` (${r.hours})` : ""))));
  notices.replaceChildren(box);
}

// ---- actions ------------------------------------------------------------------------

function onChatSubmit(event) {
  event.preventDefault();
  const text = chatText.value.trim();
  if (!text) return;
  send("chat.send", { text, to: chatTo.value });
  chatText.value = "";
}

function askForHelp() {
  const text = prompt("Ask a facilitator for help privately. You can add a few words if you like (optional):");
  if (text === null) return;
  send("help.request", text.trim() ? { text: text.trim() } : {});
}

function leave() {
  send("leave");
  forgetSession();
  finish("You've left the group. Take care of yourself.");
}

function finish(text) {
  state.place = "gone";
  app.replaceChildren(status, notices);
  setStatus(text);
  socket?.close();
}

// ---- protocol ----------------------------------------------------------------------

const handlers = {
  welcome(m) {
    state.you = m.you; state.room = m.room; state.locked = m.room.locked;
    state.place = m.state;
    state.people = new Map((m.participants ?? []).map((p) => [p.id, p]));
    state.lobby = new Map((m.lobby ?? []).map((p) => [p.id, p]));
    state.alerts = new Map((m.alerts ?? []).map((a) => [a.id, a]));
    state.paused = !m.room.live;
    layout();
    if (m.state === "room") setStatus(state.paused ? "Paused: waiting for a facilitator to come back." : `You're in ${m.room.name}.`);
    renderPeople(); renderAlerts();
  },
  waiting(m) {
    setStatus(m.reason === "no_facilitator"
      ? "You're in the waiting room. The group starts when a facilitator arrives."
      : "You're in the waiting room. A facilitator will let you in soon.");
  },
  admitted(m) {
    state.place = "room";
    state.people = new Map(m.participants.map((p) => [p.id, p]));
    layout(); renderPeople();
    setStatus(`You're in ${state.room.name}. Welcome.`);
  },
  denied() { forgetSession(); finish("The facilitator couldn't let you into this group today."); },
  removed() { forgetSession(); finish("A facilitator has asked you to leave this group."); },
  "room.ended"() { forgetSession(); finish("The session has ended. Thank you for coming."); },
  "participant.joined"(m) { state.people.set(m.participant.id, m.participant); renderPeople(); },
  "participant.left"(m) { state.people.delete(m.id); renderPeople(); },
  "participant.updated"(m) { state.people.set(m.participant.id, m.participant); renderPeople(); renderControls(); },
  "lobby.knock"(m) { state.lobby.set(m.participant.id, m.participant); renderPeople(); },
  "lobby.left"(m) { state.lobby.delete(m.id); renderPeople(); },
  chat(m) { addChat(m); },
  "room.updated"(m) { state.room = m.room; state.locked = m.room.locked; renderControls(); },
  "room.paused"() { state.paused = true; setStatus("Paused: waiting for a facilitator to come back."); },
  "room.resumed"() { state.paused = false; setStatus(`You're in ${state.room.name}.`); },
  muted(m) { state.muted = true; notice(m.locked ? "A facilitator has muted you for now." : "A facilitator has muted your microphone."); },
  allowed() { state.muted = false; notice("You can turn your microphone on again."); },
  "help.received"() { notice("A facilitator has been told and will check in with you privately."); },
  signpost(m) { showSignpost(m.resources); },
  "chat.held"() { notice("Your message has gone to the facilitators only. They will check in with you privately."); },
  alert(m) { state.alerts.set(m.id, m); renderAlerts(); },
  "alert.acked"(m) { state.alerts.delete(m.alert); renderAlerts(); },
  ack() {},
  error(m) { notice(m.message); },
};

function connect() {
  if (!session?.token) {
    setStatus("Your session has ended. Please use your group's invite link to join again.");
    return;
  }
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/ws`);
  socket.addEventListener("open", () => socket.send(JSON.stringify({ type: "hello", token: session.token })));
  socket.addEventListener("message", (event) => {
    let message;
    try { message = JSON.parse(event.data); } catch { return; }
    handlers[message.type]?.(message);
  });
  socket.addEventListener("close", (event) => {
    if (state.place === "gone") return;
    const why = {
      4401: "Your link has expired. Please use the invite link again.",
      4403: "You can't rejoin this group.",
      4409: "You've opened the group in another window.",
      4423: "This group is closed to new arrivals right now.",
      4429: "Too many messages at once. Please rejoin.",
    }[event.code] ?? "The connection was lost. Refresh the page to rejoin.";
    finish(why);
  });
}

onQuickExit(() => { send("leave"); forgetSession(); });
connect();
