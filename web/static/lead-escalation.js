// One escalation: local times, and "Go to the group" while its session is running.
import { localiseTimes } from "./local-time.js";
import { wireOpenRooms } from "./open-room.js";

localiseTimes();
wireOpenRooms(document.getElementById("go-error"));
