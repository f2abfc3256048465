// Hearth's trained risk model in the browser: server/safeguarding/features.py and the label head
// of LinearRiskModel.score (model.py) over the slim document of GET /api/risk-model, so a draft
// can be scored while someone types without leaving the device. Like risk.js it only decides
// what to show; the server screens every message again.
//
// A test (tests/safeguarding/test_model_js.py) runs both over every corpus message and compares
// feature counts and scores, so each step below mirrors its Python twin, including where the two
// languages differ by default (noted inline).

const FEATURE_VERSION = 3; // features.FEATURE_VERSION: a model for other features is refused
const FORMAT = "hearth-risk-model/1";
const CHAR_NGRAMS = [3, 4, 5];

// features._STAND_INS: letters NFD does not take apart, and marks that mean nothing.
const STAND_INS = {
  "ł": "l", "ß": "ss",
  "\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9", "\u0647": "\u06c1",
  "\u2019": "", "\u2018": "", "'": "", "\u02bc": "", "`": "", "\u0640": "",
};
const STAND_IN = new RegExp(`[${Object.keys(STAND_INS).join("")}]`, "gu");
// Python's "." is any code point but "\n"; JS's "." also skips "\r", U+2028 and U+2029 unless
// "s", and splits astral characters unless "u". Letting it match "\n" too changes nothing a
// token can see.
const SQUEEZE = /(.)\1{2,}/gsu;
// Python's [^\W_] is str.isalnum(), which is exactly \p{L} plus \p{N} (checked over every code
// point of Python's Unicode version; newer code points are letters only in the newer one).
const TOKEN = /[\p{L}\p{N}]+/gu;
const SENTENCE = /[.!?\n\u06d4\u061f]+/u;
const MARKS = /\p{M}/gu;
const ASCII = /^[\x00-\x7f]*$/;

/** features.fold: the text as the features see it. */
export function fold(text) {
  // JS toLowerCase and Python str.lower both apply full Unicode case mapping (with final sigma).
  let folded = ASCII.test(text)
    ? text.toLowerCase()
    : text.normalize("NFKC").toLowerCase().normalize("NFD").replace(MARKS, "").normalize("NFC");
  folded = folded.replace(STAND_IN, (c) => STAND_INS[c]);
  return folded.replace(SQUEEZE, "$1$1");
}

/** features.tokens */
export function tokens(text) {
  return fold(text).match(TOKEN) ?? [];
}

/** features.token_features: the word and the character 3-5 grams of " word ", once each. */
function tokenFeatures(word) {
  const found = new Set(["w:" + word]);
  // Python slices by code point, JS by UTF-16 unit: slice an array of code points instead.
  const chars = Array.from(" " + word + " ");
  for (const n of CHAR_NGRAMS) {
    for (let i = 0; i + n <= chars.length; i++) found.add(chars.slice(i, i + n).join(""));
  }
  return found;
}

/**
 * features.features: a Map of each feature to its count. Each distinct word gives its
 * features once (a feature two words share counts twice); each distinct pair counts once.
 */
export function features(words) {
  const found = new Map();
  for (let i = 0; i + 1 < words.length; i++) found.set("b:" + words[i] + " " + words[i + 1], 1);
  for (const w of new Set(words)) {
    for (const feature of tokenFeatures(w)) found.set(feature, (found.get(feature) ?? 0) + 1);
  }
  return found;
}

/** features.sentence_tokens: the tokens of each sentence of the folded text that has any. */
export function sentenceTokens(text) {
  const parts = fold(text).split(SENTENCE).map((part) => part.match(TOKEN) ?? [])
    .filter((words) => words.length);
  return parts.length ? parts : [[]];
}

const URDU_LETTERS = /[\u0600-\u06ff]/u;
const POLISH_LETTERS = /[ąćęłńśźżĄĆĘŁŃŚŹŻ]/u;

/** features.language_of: which of the model's per-language thresholds apply. */
export function languageOf(text, words, common) {
  if (URDU_LETTERS.test(text)) return "ur";
  if (POLISH_LETTERS.test(text)) return "pl";
  let best = "en", hits = 0;
  for (const language of Object.keys(common).sort()) {
    const found = words.filter((w) => common[language].has(w)).length;
    if (found > hits) { best = language; hits = found; }
  }
  return hits >= 2 || (hits && 3 * hits >= words.length) ? best : "en";
}

function bytes(encoded, signed) {
  const raw = atob(encoded);
  const out = signed ? new Int8Array(raw.length) : new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i); // Int8Array wraps >127
  return out;
}

/**
 * Build a scorer from the slim /api/risk-model document (or risk_model_browser.json itself).
 * Returns { score(text) -> {urgent, any_risk}, version, thresholds }.
 */
export function createModel(doc) {
  if (doc.format !== FORMAT) throw new Error(`not a ${FORMAT} document`);
  if (doc.feature_version !== FEATURE_VERSION) {
    throw new Error(`model built for features v${doc.feature_version}, this code is v${FEATURE_VERSION}`);
  }
  const vocab = doc.vocab;
  const idf = bytes(doc.idf, false);
  const label = bytes(doc.label_weights, true);
  if (idf.length !== vocab.length || label.length !== 2 * vocab.length) {
    throw new Error("model weights do not match its vocabulary");
  }
  const common = Object.fromEntries(
    Object.entries(doc.languages ?? {}).map(([language, words]) => [language, new Set(words)]));
  const [concernScale, urgentScale] = doc.label_scale;
  const [concernBias, urgentBias] = doc.label_bias;
  // As in LinearRiskModel: fold the tf-idf weight into each row, multiplied in the same order.
  const rows = new Map();
  vocab.forEach((feature, i) => {
    const weight = idf[i] * doc.idf_scale;
    rows.set(feature, [weight * weight, weight * label[2 * i] * concernScale,
      weight * label[2 * i + 1] * urgentScale]);
  });

  function logits(words) {
    let squares = 0, concern = 0, urgent = 0, hits = 0;
    for (const [feature, count] of features(words)) {
      const row = rows.get(feature);
      if (row === undefined) continue;
      squares += count * row[0]; concern += count * row[1]; urgent += count * row[2]; hits++;
    }
    if (!hits) return [concernBias, urgentBias];
    const norm = Math.sqrt(squares);
    return [concern / norm + concernBias, urgent / norm + urgentBias];
  }

  function score(text) {
    const parts = sentenceTokens(text);
    const whole = parts.flat();
    const pieces = parts.length > 1 ? [whole, ...parts] : [whole];
    let urgentBest = 0, anyBest = 0;
    for (const words of pieces) {
      if (!words.length) continue;
      const [concern, urgent] = logits(words);
      // Softmax of [0, concern, urgent], shifted by the largest so nothing overflows.
      const top = Math.max(0, concern, urgent);
      const eNone = Math.exp(-top), eConcern = Math.exp(concern - top), eUrgent = Math.exp(urgent - top);
      const total = eNone + eConcern + eUrgent;
      urgentBest = Math.max(urgentBest, eUrgent / total);
      anyBest = Math.max(anyBest, (eConcern + eUrgent) / total);
    }
    return { urgent: urgentBest, any_risk: anyBest, language: languageOf(text, whole, common) };
  }

  return { score, version: String(doc.version ?? doc.card?.version), thresholds: { ...doc.thresholds } };
}
