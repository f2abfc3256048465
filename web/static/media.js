// Listening, speaking and cameras on the group page (docs/protocol.md, "Media").
//
// Chat only is the default: no RTCPeerConnection exists until the person presses
// "Listen to the group" (a click, which browsers also need before they play sound).
// Listening makes one peer connection with the server, never with another parent,
// in the order the server relies on:
//   1. audio, sendrecv: the room's mix comes back on it; the microphone goes out on it
//   2. video, sendonly: the person's own camera
//   3. welcome.video_slots x video, recvonly: cameras the server shows (media.slots)
// Microphone and camera start off. Turning one on asks for that device alone and puts
// its track on the transceiver made in advance (replaceTrack: no renegotiation);
// turning it off stops the track, so the device's light goes out.
import { t } from "./i18n.js";
import { onQuickExit } from "./quick-exit.js";

const $ = (id) => document.getElementById(id);

// An answer slower than this means the server could not set the connection up.
const ANSWER_TIMEOUT_MS = 15_000;
// More receive-only slots than this is a mistake somewhere; the server refuses big offers.
const MAX_SLOTS = 12;

const DEVICE_PROBLEMS = {
  audio: {
    denied: t("Your browser didn't let Hearth use your microphone. That's all right: you can still listen and chat. If you'd like to talk, allow the microphone for this site in your browser's settings, then try again."),
    missing: t("We couldn't find a microphone on this device. You can still listen and chat."),
    busy: t("Your microphone seems to be in use by another app. You could close that app and try again, or carry on with the chat."),
    other: t("Your microphone couldn't be started just now. You can still listen and chat."),
  },
  video: {
    denied: t("Your browser didn't let Hearth use your camera. That's all right: you can still take part without it. If you'd like to share it, allow the camera for this site in your browser's settings, then try again."),
    missing: t("We couldn't find a camera on this device. You can still take part without one."),
    busy: t("Your camera seems to be in use by another app. You could close that app and try again."),
    other: t("Your camera couldn't be started just now. You can still take part without it."),
  },
};

function deviceProblem(kind, error) {
  const words = DEVICE_PROBLEMS[kind];
  switch (error?.name) {
    case "NotAllowedError": case "SecurityError": return words.denied;
    case "NotFoundError": case "OverconstrainedError": return words.missing;
    case "NotReadableError": case "AbortError": return words.busy;
    default: return words.other;
  }
}

function text(tag, className, content) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (content != null) node.textContent = content;
  return node;
}

/**
 * The media part of the group page.
 *
 * ``send(type, fields)`` sends a protocol message and returns its ``ref`` (false when
 * not connected). ``people()`` is the room's Map of participants by id, ``you()`` the
 * welcome's ``you``, ``room()`` the Room. The page passes every media.*, aside.*,
 * ``muted`` and ``allowed`` message to ``handle``, every ``error`` to ``error`` first,
 * and calls ``welcome`` on each welcome, ``peopleChanged`` after the list changes and
 * ``close`` when the visit ends.
 */
// conversation: a one-to-one room (room.js), whose words speak of a conversation.
export function createMedia({ send, people, you, room, isStaff, announce, conversation = false }) {
  const ui = {
    panel: $("media-panel"),
    hint: $("media-hint"),
    listen: $("media-listen"),
    mic: $("media-mic"),
    camera: $("media-camera"),
    status: $("media-status"),
    problem: $("media-problem"),
    problemText: $("media-problem-text"),
    retry: $("media-retry"),
    aside: $("aside-banner"),
    asideText: $("aside-text"),
    asideEnd: $("aside-end"),
    asideListen: $("aside-listen"),
    cameraAsk: $("camera-ask"),
    cameraAskText: $("camera-ask-text"),
    cameraShare: $("camera-share"),
    cameraKeep: $("camera-keep"),
    videos: $("media-videos"),
    audio: $("media-audio"),
  };

  let iceServers = [];
  let videoSlots = 0;
  let pc = null;           // the one RTCPeerConnection, or null (chat only)
  let wantSound = false;   // they chose to listen (and have not stopped): kept through failures
  let audioTx = null;
  let cameraTx = null;
  let slotTxs = [];
  let mic = null;          // live microphone track while it is on
  let camera = null;       // live camera track while it is on
  let micLocked = false;   // a facilitator muted and locked the microphone
  let mutes = 0;           // how many times a facilitator has muted us (see turnOn)
  let busy = false;        // a device request or connection set-up is under way
  // With focus mode off, a parent's camera reaches the group only after her yes (asked
  // each time focus goes off); "keep it to the facilitators" is remembered until then.
  let shared = false;
  let keptPrivate = false;
  let offerRef = null;
  let answerTimer = null;
  let pendingCandidates = null; // gathered before the offer went out
  const refs = new Set();  // refs of our media.* messages, to recognise their errors
  const slotOwners = new Map(); // mid -> participant id shown in that slot
  const tiles = new Map();      // mid (or "self") -> <figure>
  const asides = new Map();     // participant id -> { facilitator: {id,name}, participant: {id,name} }

  // ---- sending --------------------------------------------------------------------

  function sendMedia(type, fields) {
    const ref = send(type, fields);
    if (ref) {
      refs.add(ref);
      while (refs.size > 200) refs.delete(refs.values().next().value);
    }
    return ref;
  }

  function sendState() {
    return sendMedia("media.state", { audio: Boolean(mic), video: Boolean(camera), share: shared });
  }

  // ---- showing what is going on ------------------------------------------------------

  function setStatus(words) { ui.status.textContent = words; }

  // What the problem box shows: "connection" (with Reconnect) or "device" trouble.
  let problemKind = null;

  function showProblem(words, { retry = false } = {}) {
    problemKind = retry ? "connection" : "device";
    ui.problemText.textContent = words;
    ui.retry.hidden = !retry;
    ui.problem.hidden = false;
  }

  /** Hide the problem box (only if it shows a problem of ``kind``, when given). */
  function clearProblem(kind = null) {
    if (kind && kind !== problemKind) return;
    problemKind = null;
    ui.problem.hidden = true;
    ui.problemText.textContent = "";
  }

  function press(button, on) {
    button.setAttribute("aria-pressed", on ? "true" : "false");
    const state = button.querySelector(".toggle-state");
    if (state) state.textContent = on ? t("on") : t("off");
  }

  /** The private talk this person is in, if any: {facilitator, participant}. */
  function myAside() {
    const me = you()?.id;
    return [...asides.values()].find((a) => a.facilitator.id === me || a.participant.id === me) ?? null;
  }

  /** Who alone hears this person's microphone: the other side of an aside, or null (the group). */
  function onlyHearer() {
    const aside = myAside();
    if (!aside) return null;
    return aside.participant.id === you()?.id ? aside.facilitator.name : aside.participant.name;
  }

  function render() {
    press(ui.listen, Boolean(pc));
    press(ui.mic, Boolean(mic));
    press(ui.camera, Boolean(camera));
    ui.listen.disabled = busy;
    ui.mic.disabled = busy || (micLocked && !mic);
    ui.camera.disabled = busy;
    ui.mic.title = !micLocked ? ""
      : conversation ? t("Your microphone has been muted for now")
        : t("A facilitator has muted your microphone for now");
    if (micLocked) {
      ui.hint.textContent = conversation
        ? t("Your microphone has been muted for now. You can still listen and chat.")
        : t("A facilitator has muted your microphone for now. You can still listen and chat.");
    } else if (!pc) {
      ui.hint.textContent = conversation
        ? t("You're taking part by chat. You can listen and talk too, if you'd like. Your microphone and camera stay off unless you turn them on.")
        : t("You're taking part by chat. You can listen to the group too, if you'd like. Your microphone and camera stay off unless you turn them on.");
    } else if (camera && conversation) {
      // Nobody else is in a one-to-one room but her volunteer (and a lead who enters).
      ui.hint.textContent = t("Everyone in this conversation can see your camera.");
    } else if (camera && !isStaff() && room()?.focus) {
      ui.hint.textContent = t("Focus mode is on, so only the facilitators can see your camera.");
    } else if (camera && !isStaff() && !shared) {
      ui.hint.textContent = t("Only the facilitators can see your camera until you choose to show it to the group.");
    } else if (camera) {
      ui.hint.textContent = t("Everyone in the group can see your camera.");
    } else if (mic) {
      const name = onlyHearer();
      ui.hint.textContent = name
        ? t("Only {name} can hear you. Press Microphone again to turn it off.", { name })
        : conversation ? t("Everyone in this conversation can hear you. Press Microphone again to turn it off.")
          : t("Everyone in the group can hear you. Press Microphone again to turn it off.");
    } else {
      ui.hint.textContent = t("You're listening. Nobody can hear or see you unless you turn on your microphone or camera.");
    }
    renderTiles();
    renderAside(); // listening changes what the private-talk banner asks of her
    renderCameraAsk();
  }

  /** Focus off and her camera on: ask before the group sees it. */
  function renderCameraAsk() {
    const asking = Boolean(camera) && !isStaff() && !conversation && room()?.focus === false
      && !shared;
    ui.cameraAsk.hidden = !asking;
    ui.cameraKeep.hidden = keptPrivate;
    ui.cameraAskText.textContent = keptPrivate
      ? t("Only the facilitators can see your camera. You can show it to the group whenever you like.")
      : t("The facilitator has turned focus mode off, so people in the group can choose to be seen. Your camera is on, and only the facilitators can see it. Would you like the group to see you too?");
  }

  // ---- the peer connection -------------------------------------------------------------

  async function listen() {
    if (pc || busy) return;
    if (typeof RTCPeerConnection !== "function") {
      showProblem(conversation ? t("This browser can't play sound. You can still take part in the chat.")
        : t("This browser can't play the group's sound. You can still take part in the chat."));
      return;
    }
    clearProblem();
    wantSound = true;
    busy = true;
    let connection;
    try {
      connection = new RTCPeerConnection({ iceServers });
      pc = connection;
      audioTx = connection.addTransceiver("audio", { direction: "sendrecv" });
      cameraTx = connection.addTransceiver("video", { direction: "sendonly" });
      slotTxs = Array.from({ length: videoSlots },
        () => connection.addTransceiver("video", { direction: "recvonly" }));
      // Start playing inside the click, so the browser allows sound from now on.
      ui.audio.srcObject = new MediaStream([audioTx.receiver.track]);
      ui.audio.play().catch(() => { /* plays once sound arrives (autoplay) */ });
      watch(connection);
      setStatus(conversation ? t("Connecting the sound…") : t("Connecting you to the group's sound…"));
      render();
      pendingCandidates = [];
      const offer = await connection.createOffer();
      if (pc !== connection) return;
      await connection.setLocalDescription(offer);
      if (pc !== connection) return;
      offerRef = sendMedia("media.offer", { sdp: connection.localDescription.sdp });
      if (!offerRef) throw new Error("not connected");
      const early = pendingCandidates;
      pendingCandidates = null;
      for (const candidate of early) sendCandidate(candidate);
      answerTimer = setTimeout(() => { if (pc === connection) failed(); }, ANSWER_TIMEOUT_MS);
    } catch {
      if (pc === connection || pc === null) failed();
    } finally {
      busy = false;
      render();
    }
  }

  function sendCandidate(c) {
    sendMedia("media.candidate", { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex });
  }

  function watch(connection) {
    connection.addEventListener("icecandidate", (event) => {
      const c = event.candidate;
      if (pc !== connection || !c || !c.candidate) return; // null / "": end of candidates
      // The server bundles every m-line on the first one's transport, so the other
      // m-lines' candidates (gathered before the answer says so) would only add
      // messages: a dozen or more, against the connection's flood limit.
      if (c.sdpMLineIndex !== 0 && c.sdpMid !== audioTx?.mid) return;
      if (pendingCandidates) pendingCandidates.push(c);
      else sendCandidate(c);
    });
    connection.addEventListener("connectionstatechange", () => {
      if (pc !== connection) return;
      switch (connection.connectionState) {
        case "connected":
          clearProblem("connection");
          setStatus(!mic ? (conversation ? t("You're listening.") : t("You're listening to the group."))
            : onlyHearer() ? t("You're connected. Only {name} can hear you.", { name: onlyHearer() })
              : conversation ? t("You're connected. Everyone in this conversation can hear you.")
                : t("You're connected. Everyone in the group can hear you."));
          break;
        case "disconnected":
          setStatus(t("The sound connection is unsteady. Trying to keep it going…"));
          break;
        case "failed":
          failed();
          break;
        default:
      }
    });
  }

  /** The connection could not be made or was lost: stop everything, offer to try again. */
  function failed() {
    const wasSending = Boolean(mic || camera);
    teardown();
    if (wasSending) sendState();
    setStatus("");
    showProblem(conversation ? t("The sound was cut off. The chat still works. Would you like to try again?")
      : t("The group's sound was cut off. The chat still works. Would you like to try again?"),
    { retry: true });
    announce?.(conversation ? t("The sound was cut off. The chat still works.")
      : t("The group's sound was cut off. The chat still works."));
    render();
  }

  /** Stop every device track, close the connection and forget what it showed. */
  function teardown() {
    clearTimeout(answerTimer);
    answerTimer = null;
    for (const track of [mic, camera]) track?.stop();
    mic = null;
    camera = null;
    const closing = pc;
    pc = null;
    audioTx = null;
    cameraTx = null;
    slotTxs = [];
    offerRef = null;
    pendingCandidates = null;
    slotOwners.clear();
    if (closing) {
      for (const transceiver of closing.getTransceivers?.() ?? []) transceiver.sender?.track?.stop();
      try { closing.close(); } catch { /* already closed */ }
    }
    ui.audio.srcObject = null;
    for (const tile of tiles.values()) {
      tile.querySelector("video").srcObject = null;
      tile.remove();
    }
    tiles.clear();
  }

  function stopListening() {
    const wasSending = Boolean(mic || camera);
    wantSound = false;
    teardown();
    if (wasSending) sendState();
    clearProblem();
    setStatus(t("You've stopped listening. The chat is still here."));
    render();
  }

  async function answered(message) {
    const connection = pc;
    if (!connection || typeof message.sdp !== "string") return;
    clearTimeout(answerTimer);
    answerTimer = null;
    try {
      await connection.setRemoteDescription({ type: "answer", sdp: message.sdp });
    } catch {
      if (pc === connection) failed();
      return;
    }
    // The server closing its side says so over DTLS; the connection's own state would
    // only notice when ICE consent runs out, half a minute later.
    const transport = audioTx?.sender.transport;
    transport?.addEventListener("statechange", () => {
      if (pc === connection && (transport.state === "closed" || transport.state === "failed")) failed();
    });
  }

  /** The protocol lets the server offer too (a renegotiation): answer it. */
  async function offered(message) {
    const connection = pc;
    if (!connection || typeof message.sdp !== "string") return;
    try {
      await connection.setRemoteDescription({ type: "offer", sdp: message.sdp });
      await connection.setLocalDescription(await connection.createAnswer());
      if (pc === connection) sendMedia("media.answer", { sdp: connection.localDescription.sdp });
    } catch {
      if (pc === connection) failed();
    }
  }

  async function remoteCandidate(message) {
    if (!pc || !message.candidate) return;
    try {
      await pc.addIceCandidate({ candidate: message.candidate, sdpMid: message.sdpMid,
        sdpMLineIndex: message.sdpMLineIndex });
    } catch { /* a candidate we cannot use is not worth troubling anyone about */ }
  }

  // ---- microphone and camera -------------------------------------------------------------

  async function turnOn(kind) {
    if (busy) return;
    if (kind === "audio" && micLocked) return;
    if (!navigator.mediaDevices?.getUserMedia) {
      showProblem(deviceProblem(kind, null));
      return;
    }
    if (!pc) await listen();
    if (!pc || busy) return;
    const connection = pc;
    const mutesBefore = mutes;
    busy = true;
    render();
    let track = null;
    try {
      const stream = await navigator.mediaDevices.getUserMedia(kind === "audio"
        ? { audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true }, video: false }
        : { audio: false, video: { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 15 } } });
      track = (kind === "audio" ? stream.getAudioTracks() : stream.getVideoTracks())[0] ?? null;
      for (const other of stream.getTracks()) if (other !== track) other.stop();
      if (!track) throw Object.assign(new Error("no track"), { name: "NotFoundError" });
      // Muted, or stopped listening, while the browser asked: don't use it.
      if (pc !== connection || (kind === "audio" && mutes !== mutesBefore)) { track.stop(); return; }
      await (kind === "audio" ? audioTx : cameraTx).sender.replaceTrack(track);
      if (pc !== connection) { track.stop(); return; }
      if (kind === "audio") mic = track; else camera = track;
      track.addEventListener("ended", () => { // unplugged, or permission taken back
        if ((kind === "audio" ? mic : camera) === track) turnOff(kind);
      });
      clearProblem();
      sendState();
      setStatus(kind === "audio" ? t("Your microphone is on.") : t("Your camera is on."));
    } catch (error) {
      track?.stop();
      showProblem(deviceProblem(kind, error));
    } finally {
      busy = false;
      render();
    }
  }

  function turnOff(kind, { quietly = false } = {}) {
    const track = kind === "audio" ? mic : camera;
    if (!track) return;
    if (kind === "audio") mic = null; else camera = null;
    track.stop(); // the device's light goes out
    const transceiver = kind === "audio" ? audioTx : cameraTx;
    transceiver?.sender.replaceTrack(null).catch(() => { /* closing anyway */ });
    sendState();
    if (!quietly) setStatus(kind === "audio" ? t("Your microphone is off.") : t("Your camera is off."));
    render();
  }

  // ---- video slots --------------------------------------------------------------------------

  function nameOf(id) {
    if (id && id === you()?.id) return t("You");
    return people().get(id)?.name
      ?? (conversation ? t("Someone in this conversation") : t("Someone in the group"));
  }

  function tile(key, track, { self = false } = {}) {
    let figure = tiles.get(key);
    if (!figure) {
      const video = document.createElement("video");
      video.autoplay = true;
      video.muted = true; // voices come in the mix, not with the pictures
      video.playsInline = true;
      figure = text("figure", self ? "video-tile self" : "video-tile");
      figure.dataset.slot = key;
      const caption = text("figcaption");
      caption.dir = "auto"; // the name they chose, in whichever language
      figure.append(video, caption);
      tiles.set(key, figure);
      ui.videos.append(figure);
    }
    const video = figure.querySelector("video");
    if (video.srcObject?.getTracks()[0] !== track) video.srcObject = new MediaStream([track]);
    return figure;
  }

  function label(figure, name, { self = false } = {}) {
    const caption = figure.querySelector("figcaption");
    if (caption.textContent !== name) caption.textContent = name;
    figure.querySelector("video").setAttribute("aria-label",
      self ? t("Your camera, as others see it") : t("{name}'s camera", { name }));
  }

  function renderTiles() {
    if (camera) label(tile("self", camera, { self: true }), t("You"), { self: true });
    else if (tiles.has("self")) { tiles.get("self").remove(); tiles.delete("self"); }
    for (const transceiver of slotTxs) {
      if (transceiver.mid == null) continue;
      const owner = slotOwners.get(transceiver.mid) ?? null;
      const figure = tile(transceiver.mid, transceiver.receiver.track);
      figure.hidden = owner === null;
      if (owner !== null) label(figure, nameOf(owner), { self: owner === you()?.id });
    }
    ui.videos.hidden = ![...tiles.values()].some((figure) => !figure.hidden);
  }

  function slots(message) {
    if (!pc || !Array.isArray(message.slots)) return;
    slotOwners.clear();
    for (const slot of message.slots) {
      if (slot && typeof slot.mid === "string") slotOwners.set(slot.mid, slot.participant ?? null);
    }
    renderTiles();
  }

  // ---- asides -------------------------------------------------------------------------------

  const idOf = (ref) => (typeof ref === "string" ? ref : ref?.id);

  function renderAside() {
    const me = you()?.id;
    const mine = myAside();
    ui.aside.hidden = !mine;
    ui.asideEnd.hidden = !mine || !isStaff();
    // A parent taking part by chat only hears nothing until she listens: ask her to.
    ui.asideListen.hidden = !mine || mine.participant.id !== me || Boolean(pc);
    if (!mine) return;
    let words;
    if (mine.participant.id === me && !pc) {
      words = t("{name} (facilitator) would like to talk with you privately. To hear them, start listening; your microphone stays off unless you turn it on. The group can't hear either of you.",
        { name: mine.facilitator.name });
    } else if (mine.participant.id === me) {
      words = t("{name} (facilitator) is talking with you privately. The group can't hear either of you, and you'll hear only {name} until you're back with the group.",
        { name: mine.facilitator.name });
    } else {
      words = t("You're talking privately with {name}. The group can't hear either of you, and you hear only each other.",
        { name: mine.participant.name });
    }
    // The banner is a status region, and this runs on every update of the people list:
    // rewriting the same words would have a screen reader say them again.
    if (ui.asideText.textContent !== words) ui.asideText.textContent = words;
    ui.asideEnd.dataset.participant = mine.participant.id;
  }

  function asideStarted(message) {
    const facilitator = { id: idOf(message.facilitator), name: message.facilitator?.name ?? nameOf(idOf(message.facilitator)) };
    const participant = { id: idOf(message.participant), name: message.participant?.name ?? nameOf(idOf(message.participant)) };
    if (!facilitator.id || !participant.id) return;
    asides.set(participant.id, { facilitator, participant });
    renderAside();
    const me = you()?.id;
    if (participant.id === me) {
      announce?.(pc ? t("{name} is talking with you privately.", { name: facilitator.name })
        : t("{name} would like to talk with you privately. Start listening to hear them.", { name: facilitator.name }));
    }
    else if (facilitator.id === me) announce?.(t("You're talking privately with {name}.", { name: participant.name }));
  }

  function asideEnded(message) {
    const id = idOf(message.participant);
    const aside = asides.get(id);
    asides.delete(id);
    renderAside();
    const me = you()?.id;
    if (aside && (aside.participant.id === me || aside.facilitator.id === me)) {
      setStatus(t("You're back with the group."));
      announce?.(t("The private talk has ended. You're back with the group."));
    }
  }

  // ---- wiring ---------------------------------------------------------------------------------

  ui.listen.addEventListener("click", () => { if (pc) stopListening(); else listen(); });
  ui.mic.addEventListener("click", () => { if (mic) turnOff("audio"); else turnOn("audio"); });
  ui.camera.addEventListener("click", () => { if (camera) turnOff("video"); else turnOn("video"); });
  ui.retry.addEventListener("click", () => { clearProblem(); listen(); });
  ui.asideListen.addEventListener("click", () => { if (!pc) listen(); });
  ui.cameraShare.addEventListener("click", () => {
    shared = true;
    sendState();
    render();
    setStatus(t("Everyone in the group can see your camera now."));
  });
  ui.cameraKeep.addEventListener("click", () => {
    keptPrivate = true;
    render();
    setStatus(t("Only the facilitators can see your camera."));
  });
  ui.asideEnd.addEventListener("click", () => {
    const participant = ui.asideEnd.dataset.participant;
    if (participant) send("aside.end", { participant });
  });

  function close() {
    wantSound = false;
    teardown();
    asides.clear();
  }

  // Quick exit and closing the tab: every device light off, the connection closed, first.
  onQuickExit(close);
  window.addEventListener("pagehide", close);

  render();

  return {
    /** A welcome (the first, or after the socket reconnected). */
    welcome(message) {
      iceServers = Array.isArray(message.ice_servers) ? message.ice_servers : [];
      const wanted = Number.isInteger(message.video_slots) ? message.video_slots : 0;
      videoSlots = Math.max(0, Math.min(MAX_SLOTS, wanted));
      asides.clear();
      for (const pair of Array.isArray(message.asides) ? message.asides : []) {
        asides.set(pair.participant.id, { facilitator: pair.facilitator, participant: pair.participant });
      }
      renderAside();
      micLocked = false;
      if (wantSound) {
        // A new socket: the server let go of the old peer connection with the old
        // socket (the page may already have noticed the sound stop). Listen again,
        // but never turn a microphone or camera back on without being asked.
        const wasSending = Boolean(mic || camera);
        teardown();
        if (message.state === "room") {
          if (wasSending) sendState();
          listen();
          setStatus(wasSending ? t("You're connected again. Your microphone and camera are off.") : "");
        }
      }
      render();
    },

    /** Every media.*, aside.*, muted and allowed message. */
    handle(message) {
      switch (message.type) {
        case "media.answer": answered(message); break;
        case "media.offer": offered(message); break;
        case "media.candidate": remoteCandidate(message); break;
        case "media.slots": slots(message); break;
        case "aside.started": asideStarted(message); break;
        case "aside.ended": asideEnded(message); break;
        case "muted":
          mutes += 1;
          micLocked = Boolean(message.locked);
          turnOff("audio", { quietly: true });
          render();
          break;
        case "allowed": micLocked = false; render(); break;
        default: return false;
      }
      return true;
    },

    /** An error answering one of our messages: handled here (true) or not ours. */
    error(message) {
      if (!message.ref || !refs.has(message.ref)) return false;
      refs.delete(message.ref);
      if (message.ref === offerRef) {
        failed();
      } else if (message.code === "forbidden" && mic) {
        // Refused while muted and locked (say, after reconnecting): the server is right.
        micLocked = true;
        turnOff("audio", { quietly: true });
        showProblem(t("A facilitator has muted your microphone for now. You can still listen and chat."));
      }
      return true;
    },

    peopleChanged() { renderTiles(); renderAside(); },

    roomChanged() {
      if (room()?.focus) { shared = false; keptPrivate = false; } // asked afresh next time
      const wasAsking = !ui.cameraAsk.hidden;
      render();
      if (!wasAsking && !ui.cameraAsk.hidden) announce?.(t("Focus mode is off. Your camera is on: only the facilitators see it until you say the group may."));
    },

    /** Who is in an aside with ``participantId`` (for the list and facilitators' menu). */
    asideOf(participantId) { return asides.get(participantId) ?? null; },

    close,
  };
}
