// Small helpers for the JSON API. Errors come back as {error: {code, message}}.
export async function postJSON(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    credentials: "same-origin",
    body: JSON.stringify(body ?? {}),
  });
  const data = response.status === 204 ? {} : await response.json().catch(() => ({}));
  if (!response.ok) {
    const message = data?.error?.message ?? "Something went wrong. Please try again.";
    throw Object.assign(new Error(message), { code: data?.error?.code, status: response.status });
  }
  return data;
}

// The token lives in sessionStorage only: gone when the tab closes, never in a URL.
export const TOKEN_KEY = "hearth.session";
export function keepSession(data) { sessionStorage.setItem(TOKEN_KEY, JSON.stringify(data)); }
export function readSession() {
  try { return JSON.parse(sessionStorage.getItem(TOKEN_KEY) ?? "null"); } catch { return null; }
}
export function forgetSession() { sessionStorage.removeItem(TOKEN_KEY); }
