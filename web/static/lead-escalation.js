// One escalation: local times, and "Go to the group" while its session is running.
import "./local-time.js";
import { wireOpenRooms } from "./open-room.js";

const errorBox = document.getElementById("go-error");
wireOpenRooms((text) => {
  errorBox.textContent = text;
  errorBox.hidden = false;
});
