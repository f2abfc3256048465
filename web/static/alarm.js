// A facilitator's urgent-alert alarm: a short chime and, while the tab is in the
// background, a browser notification. Both are opt-in with one button, because a
// browser plays sound only after someone has pressed something on the page, and asks
// before it shows notifications. The notification names nobody's words: it may show on
// a locked screen, so it says only who may need support and to open the group.

import { t } from "./i18n.js";

const CHIME = [[660, 0], [880, 0.2]]; // two gentle rising tones: Hz, start (s)

export function createAlarm(toggle) {
  let audio = null; // an AudioContext once the facilitator has turned the alarm on
  let on = false;

  function chime() {
    if (!audio) return;
    if (audio.state === "suspended") audio.resume().catch(() => {});
    const now = audio.currentTime;
    for (const [hz, start] of CHIME) {
      const tone = audio.createOscillator();
      const level = audio.createGain();
      tone.type = "sine";
      tone.frequency.value = hz;
      // A soft attack and decay: a sudden square edge sounds like a fault, not a call.
      level.gain.setValueAtTime(0.0001, now + start);
      level.gain.exponentialRampToValueAtTime(0.25, now + start + 0.02);
      level.gain.exponentialRampToValueAtTime(0.0001, now + start + 0.35);
      tone.connect(level).connect(audio.destination);
      tone.start(now + start);
      tone.stop(now + start + 0.4);
    }
  }

  function render() {
    toggle.setAttribute("aria-pressed", on ? "true" : "false");
    toggle.textContent = on ? t("Alert sound and notifications: on") : t("Alert sound and notifications: off");
  }

  toggle.addEventListener("click", async () => {
    on = !on;
    if (on) {
      try {
        audio ??= new AudioContext();
        chime(); // so they know what it sounds like, and the browser lets it play later
      } catch { audio = null; }
      if ("Notification" in window && Notification.permission === "default") {
        try { await Notification.requestPermission(); } catch { /* sound alone, then */ }
      }
    }
    render();
  });
  render();

  function notificationsAllowed() {
    return "Notification" in window && Notification.permission === "granted";
  }

  return {
    /** Sound the alarm for a new urgent alert (``who``: the pseudonym shown in the group). */
    ring(who, tag) {
      if (!on) return;
      chime();
      if (notificationsAllowed() && document.visibilityState !== "visible") {
        try {
          const note = new Notification(t("Hearth: urgent alert"), {
            body: t("{name} may need support now. Open the group to respond.", { name: who }),
            tag, requireInteraction: true,
          });
          note.addEventListener("click", () => { window.focus(); note.close(); });
        } catch { /* some browsers allow notifications only from a service worker */ }
      }
    },
  };
}
