// Runs web/static/risk-model.js over texts for the agreement tests in test_model_js.py.
// Usage: node model_node_runner.mjs MODEL.json TEXTS.json
// MODEL.json is the packaged risk_model_browser.json or the slim /api/risk-model document. Prints a JSON
// array with one entry per text: {features, urgent, any_risk}, where features are the feature
// counts of the whole text (features(tokens(text))), as [feature, count] pairs.
import { readFileSync } from "node:fs";
import { createModel, features, tokens } from "../../web/static/risk-model.js";

const [modelPath, textsPath] = process.argv.slice(2);
const model = createModel(JSON.parse(readFileSync(modelPath, "utf8")));
const texts = JSON.parse(readFileSync(textsPath, "utf8"));
const out = texts.map((text) => {
  const { urgent, any_risk, language } = model.score(text);
  return { features: [...features(tokens(text))], urgent, any_risk, language };
});
process.stdout.write(JSON.stringify({ version: model.version, thresholds: model.thresholds, scores: out }));
