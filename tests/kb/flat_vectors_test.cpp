// The flat vector scan: the int8 first pass (by bucket for sparse queries,
// by vector for dense ones) must find what a full float scan finds, also
// after vectors are replaced and removed.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "kb/embedder.h"
#include "kb/flat_vectors.h"
#include "kb/vector_index.h"

using namespace flywheel::kb;

namespace {

constexpr size_t kDim = 96;

std::vector<float> randomVector(std::mt19937& rng, size_t nonZero) {
  std::vector<float> v(kDim, 0.0f);
  std::normal_distribution<float> value(0.0f, 1.0f);
  for (size_t k = 0; k < nonZero; ++k) v[rng() % kDim] = value(rng);
  l2Normalize(v);
  return v;
}

std::vector<std::int64_t> ids(const std::vector<VectorMatch>& matches) {
  std::vector<std::int64_t> out;
  for (const auto& m : matches) out.push_back(m.id);
  return out;
}

}  // namespace

TEST_CASE("the int8 scan finds the exact top k, for sparse and dense queries, across updates", "[kb][vectors]") {
  std::mt19937 rng(11);
  FlatVectors flat(kDim);
  // 3,000 vectors grow the bucket-major copy past its first capacity.
  for (std::int64_t id = 1; id <= 3000; ++id) flat.put(id, randomVector(rng, 40).data());
  // Replace some, remove others (the last slot moves into each hole).
  for (std::int64_t id = 1; id <= 3000; id += 7) flat.put(id, randomVector(rng, 40).data());
  for (std::int64_t id = 2; id <= 3000; id += 5) REQUIRE(flat.remove(id));
  REQUIRE(flat.size() == 3000 - 600);

  for (size_t nonZero : {6u, 12u, 96u}) {  // sparse (by bucket) and dense (by vector)
    INFO("query with about " << nonZero << " non-zero buckets");
    for (int q = 0; q < 20; ++q) {
      auto query = randomVector(rng, nonZero);
      auto fast = flat.top(query.data(), 10, nullptr);
      auto exact = flat.topExact(query.data(), 10, nullptr);
      REQUIRE(fast.size() == 10);
      CHECK(ids(fast) == ids(exact));
      for (const auto& m : fast) CHECK(m.id % 5 != 2);  // removed ids never come back
    }
  }
  // A stored vector is its own nearest neighbour, wherever it was moved to.
  for (std::int64_t id : {1, 8, 2999, 3000}) {
    std::vector<float> own(flat.dataAt(0), flat.dataAt(0) + kDim);
    for (size_t slot = 0; slot < flat.size(); ++slot)
      if (flat.idAt(slot) == id) own.assign(flat.dataAt(slot), flat.dataAt(slot) + kDim);
    auto top = flat.top(own.data(), 1, nullptr);
    REQUIRE(top.size() == 1);
    CHECK(top.front().id == id);
  }
}

TEST_CASE("a filtered int8 scan returns only allowed ids", "[kb][vectors]") {
  std::mt19937 rng(5);
  FlatVectors flat(kDim);
  for (std::int64_t id = 1; id <= 2000; ++id) flat.put(id, randomVector(rng, 40).data());
  std::unordered_set<std::int64_t> allowed;
  for (std::int64_t id = 1; id <= 2000; id += 2) allowed.insert(id);  // half: still the int8 pass
  auto query = randomVector(rng, 8);
  auto fast = flat.top(query.data(), 10, &allowed);
  auto exact = flat.topExact(query.data(), 10, &allowed);
  CHECK(ids(fast) == ids(exact));
  for (const auto& m : fast) CHECK(allowed.count(m.id) == 1);
}
