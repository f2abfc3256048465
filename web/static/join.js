import { keepSession, postJSON } from "./api.js";
import { t } from "./i18n.js";
import { localiseTimes, meetingTime } from "./local-time.js";

localiseTimes(); // the next session, in this reader's own time

const form = document.getElementById("join-form");
const errorBox = document.getElementById("join-error");
const nameInput = document.getElementById("name");
const agree = document.getElementById("agree");
const joinButton = document.getElementById("join-button");

// "Suggest another": cycle through a few made-up names the server offered.
const suggestions = (form.dataset.suggestions ?? "").split("|").filter(Boolean);
let next = 1;
document.getElementById("another-name")?.addEventListener("click", () => {
  if (suggestions.length === 0) return;
  nameInput.value = suggestions[next % suggestions.length];
  next += 1;
  nameInput.focus();
});

function showError(text, focus) {
  errorBox.textContent = text;
  errorBox.hidden = false;
  focus?.focus();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  errorBox.hidden = true;
  if (!agree.checked) {
    showError(t("Please tick the box to say you've read the group agreement."), agree);
    return;
  }
  const name = nameInput.value.trim();
  joinButton.disabled = true;
  joinButton.textContent = t("Joining…");
  try {
    const data = await postJSON("/api/join", {
      invite: form.dataset.invite,
      name: name || null,
      agree: true,
    });
    keepSession(data);
    // replace, not assign: the back button should not lead to the join form.
    location.replace("/room");
  } catch (error) {
    showError(notOpenWords(error) ?? error.message, error.code === "bad_request" ? nameInput : null);
    joinButton.disabled = false;
    joinButton.textContent = t("Join the group");
  }
});

/** What to say when the group's waiting room is not open: when it opens, in local time. */
function notOpenWords(error) {
  if (error.code !== "not_open") return null;
  if (!error.opensAt) {
    return t("This group has no sessions planned just now. Please check back later.");
  }
  return t("The waiting room isn't open yet. It opens at {time}. Please come back then.",
    { time: meetingTime(error.opensAt) });
}
