// Runs web/static/risk-model.js over texts for the agreement tests in test_model_js.py.
// Usage: node model_node_runner.mjs MODEL.json TEXTS.json
// MODEL.json is the packaged risk_model_browser.json or the slim /api/risk-model document. Prints a JSON
// array with one entry per text: {digest, urgent, any_risk, language}, where digest is the SHA-1
// of the whole text's feature counts (features(tokens(text))) as "feature\0count\n" lines in
// UTF-16 code-unit order, hashed as UTF-16LE so that lone surrogates survive. A digest, not the
// counts themselves: the counts of every corpus message are 145 MB of JSON. With --features
// the runner prints the [feature, count] pairs too, for the messages whose digests differed.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createModel, features, tokens } from "../../web/static/risk-model.js";

const args = process.argv.slice(2);
const withFeatures = args.includes("--features");
const [modelPath, textsPath] = args.filter((a) => a !== "--features");
const model = createModel(JSON.parse(readFileSync(modelPath, "utf8")));
const texts = JSON.parse(readFileSync(textsPath, "utf8"));
const out = texts.map((text) => {
  const { urgent, any_risk, language } = model.score(text);
  const counts = [...features(tokens(text))];
  const lines = counts.map(([feature, n]) => `${feature}\0${n}\n`).sort();
  const digest = createHash("sha1").update(Buffer.from(lines.join(""), "utf16le")).digest("hex");
  return withFeatures ? { digest, features: counts, urgent, any_risk, language }
    : { digest, urgent, any_risk, language };
});
process.stdout.write(JSON.stringify({ version: model.version, thresholds: model.thresholds, scores: out }));
