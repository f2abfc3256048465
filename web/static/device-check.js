// The join page's optional device check: is the microphone heard, does the camera show,
// does sound play? Everything stays in this browser: nothing is sent anywhere, nothing is
// on until it is asked for, and everything stops when the check is closed or the page goes.
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const box = $("device-check");

let micStream = null;
let cameraStream = null;
let audio = null;       // an AudioContext, made on the first button press
let meterTimer = null;

function stopTracks(stream) {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

function say(text) { $("device-status").textContent = text; }

function press(button, on, onText, offText) {
  button.setAttribute("aria-pressed", on ? "true" : "false");
  button.textContent = on ? onText : offText;
}

function stopMic() {
  clearInterval(meterTimer);
  meterTimer = null;
  stopTracks(micStream);
  micStream = null;
  $("mic-level").value = 0;
  press($("check-mic"), false, t("Stop the microphone test"), t("Test my microphone"));
}

function stopCamera() {
  stopTracks(cameraStream);
  cameraStream = null;
  const preview = $("camera-preview");
  preview.srcObject = null;
  preview.hidden = true;
  press($("check-camera"), false, t("Stop the camera test"), t("Test my camera"));
}

function stopAll() { stopMic(); stopCamera(); }

async function testMic() {
  if (micStream) { stopMic(); say(t("Microphone test stopped.")); return; }
  // Made and started while the click still counts as one: a browser may keep an audio
  // context made later (after the permission prompt) suspended.
  audio ??= new AudioContext();
  audio.resume().catch(() => {});
  try {
    micStream = await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch {
    say(t("The browser couldn't use a microphone. You can still join and take part by chat."));
    return;
  }
  if (audio.state === "suspended") await audio.resume().catch(() => {});
  const analyser = audio.createAnalyser();
  analyser.fftSize = 512;
  // Through a silent gain to the speakers: a graph that leads nowhere may not run at all,
  // and her own voice must not play back to her.
  const silent = audio.createGain();
  silent.gain.value = 0;
  audio.createMediaStreamSource(micStream).connect(analyser).connect(silent).connect(audio.destination);
  const samples = new Uint8Array(analyser.fftSize);
  let heard = false;
  meterTimer = setInterval(() => {
    analyser.getByteTimeDomainData(samples);
    const peak = samples.reduce((most, s) => Math.max(most, Math.abs(s - 128)), 0) / 128;
    $("mic-level").value = Math.round(peak * 100);
    // Any sound above a quiet room's hiss means the microphone is delivering.
    if (!heard && peak > 0.02) {
      heard = true;
      say(t("Your microphone is working: the bar moves when you speak."));
    }
  }, 100);
  press($("check-mic"), true, t("Stop the microphone test"), t("Test my microphone"));
  say(t("Say something: the bar should move. Nobody else can hear this."));
}

async function testCamera() {
  if (cameraStream) { stopCamera(); say(t("Camera test stopped.")); return; }
  try {
    cameraStream = await navigator.mediaDevices.getUserMedia({ video: true });
  } catch {
    say(t("The browser couldn't use a camera. You can still join with your camera off."));
    return;
  }
  const preview = $("camera-preview");
  preview.srcObject = cameraStream;
  preview.hidden = false;
  press($("check-camera"), true, t("Stop the camera test"), t("Test my camera"));
  say(t("This is what your camera shows. Only you can see it here."));
}

function testSound() {
  audio ??= new AudioContext();
  if (audio.state === "suspended") audio.resume().catch(() => {});
  const tone = audio.createOscillator();
  const level = audio.createGain();
  tone.frequency.value = 440;
  level.gain.value = 0.15;
  tone.connect(level).connect(audio.destination);
  tone.start();
  tone.stop(audio.currentTime + 1);
  say(t("Playing a short tone. If you can't hear it, check your volume."));
}

if (box) {
  $("check-mic").addEventListener("click", testMic);
  $("check-camera").addEventListener("click", testCamera);
  $("check-sound").addEventListener("click", testSound);
  // Disabled in the page until now (join.html): a press before this did nothing.
  for (const id of ["check-mic", "check-camera", "check-sound"]) $(id).disabled = false;
  // Closing the check, or leaving the page, turns everything off.
  box.addEventListener("toggle", () => { if (!box.open) stopAll(); });
  window.addEventListener("pagehide", stopAll);
}
