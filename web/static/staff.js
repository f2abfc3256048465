import { wireCopyButtons } from "./copy-link.js";
import { wireOpenRooms } from "./open-room.js";

const errorBox = document.getElementById("staff-error");
function showError(text) {
  errorBox.textContent = text;
  errorBox.hidden = false;
}

wireOpenRooms(errorBox);

wireCopyButtons(document.getElementById("copy-status"), showError);
