import { keepSession, postJSON } from "./api.js";
import { t } from "./i18n.js";
import { localiseTimes, meetingTime } from "./local-time.js";

localiseTimes(); // the next session, in this reader's own time

const form = document.getElementById("join-form");
const errorBox = document.getElementById("join-error");
const nameInput = document.getElementById("name");
const agree = document.getElementById("agree");
const joinButton = document.getElementById("join-button");
// A one-to-one room (data-kind, from the server) is a conversation between her and her
// volunteer, not a group: its words differ, and the room page learns the kind from the
// session kept here (room.js).
const kind = form.dataset.kind === "one_to_one" ? "one_to_one" : "group";
const oneToOne = kind === "one_to_one";
const joinWords = joinButton.textContent;

// "Suggest another": cycle through a few made-up names the server offered.
const suggestions = (form.dataset.suggestions ?? "").split("|").filter(Boolean);
let next = 1;
const anotherName = document.getElementById("another-name");
anotherName?.addEventListener("click", () => {
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
    showError(oneToOne ? t("Please tick the box to say you've read our agreement.")
      : t("Please tick the box to say you've read the group agreement."), agree);
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
    keepSession({ ...data, kind });
    // replace, not assign: the back button should not lead to the join form.
    location.replace("/room");
  } catch (error) {
    showError(notOpenWords(error) ?? oneToOneWords(error) ?? error.message,
      error.code === "bad_request" ? nameInput : null);
    joinButton.disabled = false;
    joinButton.textContent = joinWords;
  }
});

// Both buttons come disabled in the page (join.html) and work from here on: before this, in
// Urdu or Polish while the page's words were on their way, "Join" sent the form the browser's
// own way, which reloads the page with her name in the address.
joinButton.disabled = false;
if (anotherName) anotherName.disabled = false;

/** What to say when the group's waiting room is not open: when it opens, in local time. */
function notOpenWords(error) {
  if (error.code !== "not_open") return null;
  if (!error.opensAt) {
    return oneToOne ? t("No time is planned with your volunteer just now. Please check back later.")
      : t("This group has no sessions planned just now. Please check back later.");
  }
  return t("The waiting room isn't open yet. It opens at {time}. Please come back then.",
    { time: meetingTime(error.opensAt) });
}

/** A one-to-one room's own words for the refusals that speak of a group (api.js). */
function oneToOneWords(error) {
  if (!oneToOne) return null;
  if (error.code === "room_locked") {
    return t("Your volunteer isn't letting anyone in just now. Please try again a little later.");
  }
  if (error.code === "banned") {
    return t("Sorry, you can't join this conversation. If you think this is a mistake, please contact whoever shared the link with you.");
  }
  return null;
}
