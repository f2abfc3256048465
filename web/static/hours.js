// The hours and debrief pages (server/http/hours.py, supervision.py): each session's time in
// the reader's own time zone. Everything else on them works without a script.
import { localiseTimes } from "./local-time.js";

localiseTimes();
