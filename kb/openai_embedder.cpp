// The OpenAI-compatible embeddings client: POST {base}/v1/embeddings with
// {"model": M, "input": [texts]} and read data[i].embedding (ordered by
// data[i].index). httplib and JSON stay inside this file.
#include <httplib.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <mutex>

#include "kb/embedder.h"

namespace flywheel::kb {
namespace {

struct ParsedUrl {
  std::string origin;  // scheme://host[:port]
  std::string path;    // "/prefix/v1/embeddings"
};

Result<ParsedUrl> parseBase(const std::string& base) {
  auto scheme = base.find("://");
  if (base.empty() || scheme == std::string::npos ||
      (base.compare(0, scheme, "http") != 0 && base.compare(0, scheme, "https") != 0))
    return fail(Error::invalidArgument("embeddings URL must look like http://host:port (got '" + base +
                                       "'); set FLYWHEEL_KB_EMBEDDINGS_URL"));
  auto slash = base.find('/', scheme + 3);
  ParsedUrl u;
  u.origin = base.substr(0, slash);
  std::string prefix = slash == std::string::npos ? "" : base.substr(slash);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  if (prefix.size() >= 3 && prefix.compare(prefix.size() - 3, 3, "/v1") == 0) prefix.resize(prefix.size() - 3);
  u.path = prefix + "/v1/embeddings";
  return u;
}

class OpenAiEmbedder final : public Embedder {
 public:
  OpenAiEmbedder(EmbedderConfig cfg, ParsedUrl url) : cfg_(std::move(cfg)), url_(std::move(url)), dim_(cfg_.dimension) {}

  std::string id() const override {
    return "openai:" + cfg_.model + "@" + url_.origin + url_.path;
  }
  int dimension() const override {
    std::lock_guard lock(mu_);
    return dim_;
  }

  Result<std::vector<std::vector<float>>> embed(const std::vector<std::string>& texts) override {
    std::vector<std::vector<float>> out;
    size_t batch = static_cast<size_t>(cfg_.batchSize > 0 ? cfg_.batchSize : 64);
    for (size_t i = 0; i < texts.size(); i += batch) {
      std::vector<std::string> part(texts.begin() + static_cast<long>(i),
                                    texts.begin() + static_cast<long>(std::min(texts.size(), i + batch)));
      auto r = embedBatch(part);
      if (!r) return fail(r.error());
      for (auto& v : *r) out.push_back(std::move(v));
    }
    return out;
  }

 private:
  std::string where() const { return url_.origin + url_.path; }

  Result<std::vector<std::vector<float>>> embedBatch(const std::vector<std::string>& texts) {
    nlohmann::json body = {{"model", cfg_.model}, {"input", texts}};
    httplib::Client client(url_.origin);
    client.set_connection_timeout(cfg_.timeoutSeconds, 0);
    client.set_read_timeout(cfg_.timeoutSeconds, 0);
    client.set_write_timeout(cfg_.timeoutSeconds, 0);
    httplib::Headers headers;
    if (!cfg_.apiKeyEnv.empty())
      if (const char* key = std::getenv(cfg_.apiKeyEnv.c_str()); key && *key)
        headers.emplace("Authorization", std::string("Bearer ") + key);
    auto res = client.Post(url_.path, headers, body.dump(), "application/json");
    if (!res)
      return fail(Error::io("embeddings request to " + where() + " failed: " + httplib::to_string(res.error()) +
                            "; start the embeddings server or set FLYWHEEL_KB_EMBEDDER=hashing"));
    if (res->status != 200)
      return fail(Error::io("embeddings request to " + where() + " returned HTTP " + std::to_string(res->status) +
                            ": " + res->body.substr(0, 300) + "; check the model name and API key"));
    return parseResponse(res->body, texts.size());
  }

  Result<std::vector<std::vector<float>>> parseResponse(const std::string& text, size_t expected) {
    auto bad = [&](const std::string& what) {
      return fail(Error::io("embeddings response from " + where() + " is malformed: " + what +
                            "; is this an OpenAI-compatible /v1/embeddings endpoint?"));
    };
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("data") || !j["data"].is_array())
      return bad("expected an object with a 'data' array");
    if (j["data"].size() != expected)
      return bad("expected " + std::to_string(expected) + " embeddings, got " + std::to_string(j["data"].size()));
    std::vector<std::vector<float>> out(expected);
    for (size_t i = 0; i < expected; ++i) {
      const auto& item = j["data"][i];
      if (!item.is_object() || !item.contains("embedding") || !item["embedding"].is_array())
        return bad("data[" + std::to_string(i) + "].embedding is not an array");
      size_t index = i;
      if (item.contains("index") && item["index"].is_number_unsigned()) index = item["index"].get<size_t>();
      if (index >= expected || !out[index].empty()) return bad("data[" + std::to_string(i) + "].index is invalid");
      std::vector<float> v;
      v.reserve(item["embedding"].size());
      for (const auto& x : item["embedding"]) {
        if (!x.is_number()) return bad("data[" + std::to_string(i) + "].embedding holds a non-number");
        v.push_back(x.get<float>());
      }
      if (auto r = checkDimension(v.size()); !r) return fail(r.error());
      l2Normalize(v);
      out[index] = std::move(v);
    }
    return out;
  }

  Result<void> checkDimension(size_t n) {
    std::lock_guard lock(mu_);
    if (n == 0) return fail(Error::io("embeddings server " + where() + " returned an empty vector"));
    if (dim_ == 0) dim_ = static_cast<int>(n);
    if (static_cast<int>(n) != dim_)
      return fail(Error::io("embeddings server " + where() + " returned dimension " + std::to_string(n) +
                            ", expected " + std::to_string(dim_) + "; fix FLYWHEEL_KB_EMBEDDINGS_DIM or the model"));
    return {};
  }

  EmbedderConfig cfg_;
  ParsedUrl url_;
  mutable std::mutex mu_;
  int dim_;
};

}  // namespace

Result<std::unique_ptr<Embedder>> makeOpenAiEmbedder(const EmbedderConfig& config) {
  auto url = parseBase(config.baseUrl);
  if (!url) return fail(url.error());
  if (config.model.empty())
    return fail(Error::invalidArgument("the openai embedder needs a model name; set FLYWHEEL_KB_EMBEDDINGS_MODEL"));
  return std::unique_ptr<Embedder>(std::make_unique<OpenAiEmbedder>(config, *url));
}

}  // namespace flywheel::kb
