"""The browser's copy of the risk model (web/static/risk-model.js) against the Python one.

The draft nudge scores with JavaScript what the server scores with Python, so both must compute
the same features and the same scores for every message we have: the labelled corpus, the legacy
rules set and the held-out sets, plus some awkward text. ``GET /api/risk-model`` is checked on a
real server: compressed, cached, and the slim document it serves scores as Python does.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from server.safeguarding import features as feats
from server.safeguarding.model import LinearRiskModel
from tests.harness import Harness

ROOT = Path(__file__).resolve().parents[2]
# The browser scores with its own, smaller model (training.browser_path of the server's).
MODEL_PATH = ROOT / "server" / "safeguarding" / "risk_model_browser.json"
RULES_PATH = ROOT / "server" / "safeguarding" / "risk_rules.json"
NODE_RUNNER = Path(__file__).with_name("model_node_runner.mjs")
DATA = ROOT / "data" / "risk"
TOLERANCE = 1e-9
# What the page downloads to screen drafts, rules and model together, compressed (150 KiB).
BUDGET = 150 * 1024

# Where Python and JavaScript defaults differ: Unicode case, marks, astral letters, line
# separators, repeats of non-letters, a sentence that is only a tatweel, a lone surrogate.
EDGE_CASES = [
    "İ want to DİE",
    "ΟΔΟΣ ΑΣ. Σ",
    "ｓｕｉｃｉｄａｌ 𝐤𝐢𝐥𝐥 myself",
    "𠀀𠀁𠀂 𠀀𠀀𠀀𠀀 three astral letters",
    "kiiiilllll myselffff\r\r\r\r done\u2028\u2028\u2028 ok",
    "نہیں جینا چاہتی۔ ـــ۔ بس",
    "nie mogę już. Nie chcę żyć!! ŁÓDŹ",
    "can\u2019t go on. won't. I`m done",
    "line\u2028separator and\nnewline: I want to die",
    "\ud800 a lone surrogate",
    "_under_scores_ and ½ ² ٣ numbers",
    "...!!!???",
    "",
]


def corpus_texts() -> list[str]:
    texts = []
    for folder in ("corpus", "legacy", "heldout"):
        for path in sorted((DATA / folder).glob("*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    texts.append(json.loads(line)["text"])
    return texts


def run_node(model_path: Path, texts: list[str], tmp_path: Path,
             with_features: bool = False) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed, so web/static/risk-model.js cannot be checked here")
    texts_path = tmp_path / "texts.json"
    texts_path.write_text(json.dumps(texts), encoding="utf-8")
    command = [node, str(NODE_RUNNER), str(model_path), str(texts_path)]
    result = subprocess.run(command + (["--features"] if with_features else []),
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    out: dict[str, Any] = json.loads(result.stdout)
    assert len(out["scores"]) == len(texts)
    return out


def features_digest(counts: dict[str, int]) -> str:
    """What the node runner prints for a text's feature counts: the SHA-1 of its
    "feature\0count\n" lines in JavaScript's sort order (UTF-16 code units, which is not
    Python's code-point order for letters beyond the BMP), hashed as UTF-16LE."""
    lines = sorted(f"{feature}\0{n}\n" for feature, n in counts.items())
    joined = "".join(lines)
    if joined and max(joined) > "\uffff":  # the two orders agree within the BMP
        lines.sort(key=lambda line: line.encode("utf-16-be", "surrogatepass"))
        joined = "".join(lines)
    return hashlib.sha1(joined.encode("utf-16-le", "surrogatepass")).hexdigest()


def disagreements(model: LinearRiskModel, texts: list[str], from_js: list[dict[str, Any]],
                  model_path: Path, tmp_path: Path) -> tuple[list[Any], list[Any]]:
    """(texts whose feature counts differ, texts whose scores differ), with the differences.
    The counts are compared by digest; where one differs, node is asked again for that
    text's counts, so that the failure shows which features differ."""
    features: list[Any] = []
    scores: list[Any] = []
    differing = []
    for text, js in zip(texts, from_js, strict=True):
        if features_digest(feats.features(feats.tokens(text))) != js["digest"]:
            differing.append(text)
        py = model.score(text)
        if (abs(py.urgent - js["urgent"]) > TOLERANCE
                or abs(py.any_risk - js["any_risk"]) > TOLERANCE
                or py.language != js["language"]):
            scores.append((text[:80], (py.urgent, py.any_risk, py.language),
                           (js["urgent"], js["any_risk"], js["language"])))
    if differing:
        shown = differing[:5]
        again = run_node(model_path, shown, tmp_path, with_features=True)["scores"]
        for text, js in zip(shown, again, strict=True):
            py_items = set(feats.features(feats.tokens(text)).items())
            js_items = {(feature, n) for feature, n in js["features"]}
            features.append((text[:80], sorted(py_items - js_items)[:5],
                             sorted(js_items - py_items)[:5]))
        features.extend((text[:80], "...", "...") for text in differing[5:])
    return features, scores


# Every corpus and held-out message (about 70,000) through both engines: 90 s alone on a slow
# day on two cores, more beside the rest of the suite, so past the suite's default 120 s.
@pytest.mark.timeout(360)
def test_browser_model_agrees_with_python_on_every_message(tmp_path: Path) -> None:
    # One read for both sides: the packaged file may be rebuilt while tests run.
    model_path = tmp_path / "risk_model_browser.json"
    model_path.write_text(MODEL_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    model = LinearRiskModel.from_json(model_path.read_text(encoding="utf-8"))
    texts = corpus_texts() + EDGE_CASES
    assert len(texts) > 10_000, "the corpus went missing"
    out = run_node(model_path, texts, tmp_path)
    assert out["version"] == model.version
    assert out["thresholds"] == model.thresholds
    bad_features, bad_scores = disagreements(model, texts, out["scores"], model_path, tmp_path)
    assert not bad_features, (len(bad_features), bad_features[:5])
    assert not bad_scores, (len(bad_scores), bad_scores[:5])


async def test_risk_model_route_is_compressed_cached_and_scores_as_python(
        h: Harness, tmp_path: Path) -> None:
    response = await h.http.get("/api/risk-model", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.headers["cache-control"] == "public, max-age=86400"
    assert response.headers["content-type"] == "application/json"
    compressed = response.num_bytes_downloaded
    slim = response.json()  # httpx undoes the gzip
    assert set(slim) == {"format", "feature_version", "version", "thresholds", "languages",
                         "vocab", "idf", "idf_scale", "label_weights", "label_scale",
                         "label_bias"}
    etag = response.headers["etag"]
    assert slim["version"] in etag

    plain = await h.http.get("/api/risk-model", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    # (The gzip middleware may name Accept-Encoding again: the same header, meant once.)
    vary = {v.strip() for v in plain.headers["vary"].split(",")}
    assert vary == {"Accept-Encoding"} and plain.headers["etag"] == etag
    assert plain.json() == slim

    unchanged = await h.http.get("/api/risk-model", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged.headers["etag"] == etag
    assert unchanged.headers["cache-control"] == "public, max-age=86400"
    other = await h.http.get("/api/risk-model", headers={"If-None-Match": 'W/"older"'})
    assert other.status_code == 200

    # What a page downloads to screen drafts: the rules are sent the same way.
    rules = await h.http.get("/api/risk-rules", headers={"Accept-Encoding": "gzip"})
    assert rules.headers["content-encoding"] == "gzip" and "etag" in rules.headers
    assert rules.headers["cache-control"] == "public, max-age=86400"
    assert rules.json() == json.loads(RULES_PATH.read_text(encoding="utf-8"))
    assert compressed + rules.num_bytes_downloaded < BUDGET, (
        compressed, rules.num_bytes_downloaded)

    model = LinearRiskModel.from_json(MODEL_PATH.read_text(encoding="utf-8"))
    assert model.version == slim["version"], "risk_model_browser.json changed while the server ran"
    slim_path = tmp_path / "slim.json"
    slim_path.write_text(json.dumps(slim), encoding="utf-8")
    texts = ["I want to die", "took all my pills, goodbye", "the baby slept well today",
             "nie chcę już żyć", "مجھے مر جانا ہے", "Long day. I can't do this anymore. Night!"]
    out = run_node(slim_path, texts, tmp_path)
    assert out["version"] == model.version
    assert disagreements(model, texts, out["scores"], slim_path, tmp_path) == ([], [])
