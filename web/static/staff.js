import { wireCopyButtons } from "./copy-link.js";
import { localiseTimes } from "./local-time.js";
import { wireOpenRooms } from "./open-room.js";

localiseTimes(); // today's sessions and each group's next one, in this reader's time

const errorBox = document.getElementById("staff-error");
function showError(text) {
  errorBox.textContent = text;
  errorBox.hidden = false;
}

wireOpenRooms(errorBox);

wireCopyButtons(document.getElementById("copy-status"), showError);
