#include "kb/vector_index.h"

#include <fcntl.h>
#include <unistd.h>

#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <fstream>
#include <mutex>
#include <random>
#include <shared_mutex>
#include <sstream>
#include <thread>

#include "core/atomic_file.h"
#include "kb/flat_vectors.h"
#include "kb/vector_cache_meta.h"

namespace flywheel::kb {
namespace fs = std::filesystem;

namespace {

using namespace detail;

void sortMatches(std::vector<VectorMatch>& v) {
  std::sort(v.begin(), v.end(), [](const VectorMatch& a, const VectorMatch& b) {
    return a.similarity != b.similarity ? a.similarity > b.similarity : a.id < b.id;
  });
}

}  // namespace

fs::path vectorCachePath(const fs::path& stateDir, const std::string& embedderId) {
  std::uint64_t h = hashBytes(1469598103934665603ull, embedderId.data(), embedderId.size());
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return stateDir / ("kb-" + std::string(buf).substr(0, 12) + ".hnsw");
}

// hnswlib's inner-product space, with the runtime-dispatched SIMD dot
// product of flat_vectors.h (hnswlib's own picks its SIMD at compile time,
// which for a portable build means SSE).
class DotSpace final : public hnswlib::SpaceInterface<float> {
 public:
  explicit DotSpace(size_t dim) : dim_(dim) {}
  size_t get_data_size() override { return dim_ * sizeof(float); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return &DotSpace::distance; }
  void* get_dist_func_param() override { return &dim_; }

 private:
  static float distance(const void* a, const void* b, const void* dim) {
    return 1.0f - dotProduct(static_cast<const float*>(a), static_cast<const float*>(b),
                             *static_cast<const size_t*>(dim));
  }
  size_t dim_;
};

struct VectorIndex::Impl {
  VectorIndex& owner;
  std::unique_ptr<DotSpace> space;
  FlatVectors flat;                                    // every live vector: the exact arm
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> hnsw;  // only at or above exactThreshold
  bool loaded = false;
  std::int64_t appliedSeq = 0;
  size_t unsaved = 0;
  std::string lastLoad = "not loaded";
  mutable std::shared_mutex mu;

  explicit Impl(VectorIndex& o) : owner(o), flat(static_cast<size_t>(o.dim_)) {}
  size_t dim() const { return static_cast<size_t>(owner.dim_); }
  size_t live() const { return flat.size(); }
  bool wantsGraph(size_t n) const { return n >= owner.options_.exactThreshold; }

  Result<std::int64_t> maxSeq(Db& db) {
    auto q = db.prepare("SELECT coalesce(max(seq), 0) FROM kb_vector_log");
    if (!q) return fail(q.error());
    if (auto r = q->step(); !r) return fail(r.error());
    return q->int64(0);
  }

  Result<std::int64_t> storedCount(Db& db) {
    auto q = db.prepare("SELECT count(*) FROM kb_vectors WHERE embedder=?");
    if (!q) return fail(q.error());
    q->bind(1, owner.embedderId_);
    if (auto r = q->step(); !r) return fail(r.error());
    return q->int64(0);
  }

  void put(std::int64_t id, const float* v) {
    flat.put(id, v);
    if (!hnsw) return;
    auto label = static_cast<hnswlib::labeltype>(id);
    if (!hnsw->label_lookup_.count(label) && hnsw->cur_element_count >= hnsw->max_elements_)
      hnsw->resizeIndex(hnsw->max_elements_ * 2);
    hnsw->addPoint(v, label);
  }

  void remove(std::int64_t id) {
    flat.remove(id);
    if (!hnsw) return;
    auto it = hnsw->label_lookup_.find(static_cast<hnswlib::labeltype>(id));
    if (it != hnsw->label_lookup_.end() && !hnsw->isMarkedDeleted(it->second)) hnsw->markDelete(it->first);
  }

  // Builds the HNSW graph from the flat vectors, in id order; with
  // buildThreads > 1 the threads take ids in turn from a shared counter
  // (hnswlib's addPoint locks per node, as its Python bindings rely on), so
  // the graph, not the set of vectors, may differ slightly between builds.
  // hnswlib draws each node's level from one unguarded generator; a racy
  // draw only perturbs which levels nodes get.
  void buildGraph() {
    size_t n = flat.size();
    hnsw = std::make_unique<hnswlib::HierarchicalNSW<float>>(space.get(), std::max<size_t>(n + n / 4, 1024),
                                                              static_cast<size_t>(owner.options_.m),
                                                              static_cast<size_t>(owner.options_.efConstruction));
    hnsw->setEf(static_cast<size_t>(owner.options_.efSearch));
    std::vector<std::pair<std::int64_t, size_t>> order;
    order.reserve(n);
    for (size_t i = 0; i < n; ++i) order.emplace_back(flat.idAt(i), i);
    std::sort(order.begin(), order.end());
    size_t threads = std::clamp<size_t>(static_cast<size_t>(std::max(owner.options_.buildThreads, 1)), 1, 16);
    // The first 1,000 points go in on this thread, so that the parallel
    // inserts start from a graph with some structure.
    size_t serial = std::min(n, threads > 1 ? size_t{1000} : n);
    for (size_t i = 0; i < serial; ++i)
      hnsw->addPoint(flat.dataAt(order[i].second), static_cast<hnswlib::labeltype>(order[i].first));
    std::atomic<size_t> next{serial};
    auto work = [&] {
      for (size_t i; (i = next.fetch_add(1)) < n;)
        hnsw->addPoint(flat.dataAt(order[i].second), static_cast<hnswlib::labeltype>(order[i].first));
    };
    std::vector<std::thread> pool;
    try {
      for (size_t t = 1; t < threads && serial < n; ++t) pool.emplace_back(work);
    } catch (const std::system_error&) {  // no thread available: this one does the rest
    }
    work();
    for (auto& t : pool) t.join();
  }

  // Loads the graph cache; returns why it cannot be used on failure.
  std::optional<std::string> tryLoad(std::int64_t dbSeq) {
    auto metaText = readFile(metaPathOf(owner.cachePath_));
    if (!metaText) return std::string("missing");
    auto meta = parseMeta(*metaText);
    if (!meta) return std::string("corrupt: unreadable meta");
    if (meta->embedder != owner.embedderId_) return std::string("stale: other embedder");
    if (meta->dim != owner.dim_) return std::string("stale: dimension " + std::to_string(meta->dim));
    if (meta->seq > dbSeq) return std::string("stale: ahead of the database");
    std::uint64_t bytes = 0;
    auto sum = fileChecksum(owner.cachePath_, bytes);
    if (!sum) return std::string("missing");
    if (bytes != meta->bytes || *sum != meta->checksum) return std::string("corrupt: checksum mismatch");
    try {
      auto h = std::make_unique<hnswlib::HierarchicalNSW<float>>(space.get(), owner.cachePath_.string());
      if (h->size_data_per_element_ != h->size_links_level0_ + dim() * sizeof(float) + sizeof(hnswlib::labeltype))
        return std::string("corrupt: dimension mismatch");
      // A graph built with other parameters is rebuilt with the current ones.
      auto m = static_cast<size_t>(owner.options_.m);
      auto efc = std::max(static_cast<size_t>(owner.options_.efConstruction), m);
      if (h->M_ != m || h->ef_construction_ != efc)
        return "stale: built with M " + std::to_string(h->M_) + ", efConstruction " +
               std::to_string(h->ef_construction_);
      h->setEf(static_cast<size_t>(owner.options_.efSearch));
      hnsw = std::move(h);
    } catch (const std::exception& e) {
      return std::string("corrupt: ") + e.what();
    }
    // The flat copy comes from the graph's own vectors: no SQLite read.
    flat.clear();
    flat.reserve(hnsw->cur_element_count);
    for (size_t i = 0; i < hnsw->cur_element_count; ++i) {
      auto internal = static_cast<hnswlib::tableint>(i);
      if (hnsw->isMarkedDeleted(internal)) continue;
      flat.put(static_cast<std::int64_t>(hnsw->getExternalLabel(internal)),
               reinterpret_cast<const float*>(hnsw->getDataByInternalId(internal)));
    }
    // hnswlib 0.6 leaves num_deleted_ unset after a load.
    hnsw->num_deleted_ = hnsw->cur_element_count - flat.size();
    appliedSeq = meta->seq;
    return std::nullopt;
  }

  // Reads every vector from SQLite (one snapshot for seq + vectors), and
  // builds the graph when there are enough of them.
  Result<void> rebuild(Db& db) {
    if (auto r = db.exec("BEGIN"); !r) return r;
    auto body = [&]() -> Result<void> {
      auto seq = maxSeq(db);
      if (!seq) return fail(seq.error());
      auto count = storedCount(db);
      if (!count) return fail(count.error());
      hnsw.reset();
      flat.clear();
      flat.reserve(static_cast<size_t>(*count));
      auto q = db.prepare("SELECT memory_id, vec FROM kb_vectors WHERE embedder=? AND dim=? ORDER BY memory_id");
      if (!q) return fail(q.error());
      q->bind(1, owner.embedderId_).bind(2, owner.dim_);
      for (;;) {
        auto row = q->step();
        if (!row) return fail(row.error());
        if (!*row) break;
        auto blob = q->blob(1);
        if (blob.size() != dim() * sizeof(float)) continue;
        flat.put(q->int64(0), reinterpret_cast<const float*>(blob.data()));
      }
      appliedSeq = *seq;
      return {};
    };
    auto r = body();
    (void)db.exec("COMMIT");
    if (r && wantsGraph(flat.size())) buildGraph();
    return r;
  }

  Result<void> applyLog(Db& db) {
    auto q = db.prepare(
        "SELECT l.seq, l.memory_id, v.vec FROM kb_vector_log l LEFT JOIN kb_vectors v "
        "ON v.memory_id = l.memory_id AND v.embedder = ? AND v.dim = ? WHERE l.seq > ? ORDER BY l.seq");
    if (!q) return fail(q.error());
    q->bind(1, owner.embedderId_).bind(2, owner.dim_).bind(3, appliedSeq);
    for (;;) {
      auto row = q->step();
      if (!row) return fail(row.error());
      if (!*row) break;
      std::int64_t id = q->int64(1);
      auto blob = q->blob(2);
      if (blob.size() == dim() * sizeof(float))
        put(id, reinterpret_cast<const float*>(blob.data()));
      else
        remove(id);
      appliedSeq = q->int64(0);
      ++unsaved;
    }
    return {};
  }

  Result<void> saveLocked() {
    if (!hnsw) return {};
    const fs::path& path = owner.cachePath_;
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    std::random_device rd;
    fs::path tmp = path.string() + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(rd());
    try {
      hnsw->saveIndex(tmp.string());
    } catch (const std::exception& e) {
      fs::remove(tmp, ec);
      return fail(Error::io("cannot write vector index " + tmp.string() + ": " + e.what()));
    }
    int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
    Meta m{owner.embedderId_, owner.dim_, appliedSeq, 0, 0};
    auto sum = fileChecksum(tmp, m.bytes);
    if (!sum) return fail(sum.error());
    m.checksum = *sum;
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
      fs::remove(tmp, ec);
      return fail(Error::io("cannot rename " + tmp.string() + " to " + path.string() + ": " + std::strerror(errno)));
    }
    if (auto r = writeFileAtomic(metaPathOf(path), formatMeta(m)); !r) return r;
    unsaved = 0;
    return {};
  }

  std::vector<VectorMatch> approximate(const std::vector<float>& q, size_t k,
                                       const std::unordered_set<std::int64_t>* allowed) const {
    std::vector<VectorMatch> out;
    if (!hnsw || live() == 0) return flat.top(q.data(), k, allowed);
    size_t want = allowed ? std::min(live(), k * 10) : std::min(live(), k);
    auto pq = hnsw->searchKnn(q.data(), want);
    while (!pq.empty()) {
      auto [dist, label] = pq.top();
      pq.pop();
      auto id = static_cast<std::int64_t>(label);
      if (!allowed || allowed->count(id)) out.push_back({id, 1.0f - dist});
    }
    sortMatches(out);
    if (out.size() > k) out.resize(k);
    return out;
  }

  // Loads the vectors (graph cache or SQLite) the first time.
  Result<bool> loadOnce(Db& db, std::int64_t seq) {
    auto count = storedCount(db);
    if (!count) return fail(count.error());
    std::optional<std::string> why;
    if (wantsGraph(static_cast<size_t>(*count))) why = tryLoad(seq);
    if (why || !hnsw) {
      if (auto r = rebuild(db); !r) return fail(r.error());
      lastLoad = hnsw ? "rebuilt (" + why.value_or("missing") + ")" : "exact (no graph below " +
                                                       std::to_string(owner.options_.exactThreshold) + " vectors)";
    } else {
      lastLoad = "loaded";
    }
    loaded = true;
    bool built = hnsw && lastLoad != "loaded";
    unsaved = built ? 1 : 0;
    return built;
  }
};

VectorIndex::VectorIndex(fs::path cachePath, std::string embedderId, int dimension, VectorIndexOptions options)
    : cachePath_(std::move(cachePath)), embedderId_(std::move(embedderId)), dim_(dimension), options_(options),
      impl_(std::make_unique<Impl>(*this)) {
  impl_->space = std::make_unique<DotSpace>(static_cast<size_t>(dim_));
}

VectorIndex::~VectorIndex() {
  if (impl_ && impl_->hnsw && impl_->unsaved > 0) (void)save();
}

Result<void> VectorIndex::sync(Db& db) {
  auto seq = impl_->maxSeq(db);
  if (!seq) return fail(seq.error());
  {
    std::shared_lock lock(impl_->mu);
    if (impl_->loaded && impl_->appliedSeq == *seq) return {};
  }
  std::unique_lock lock(impl_->mu);
  bool rebuilt = false;
  if (!impl_->loaded) {
    auto r = impl_->loadOnce(db, *seq);
    if (!r) return fail(r.error());
    rebuilt = *r;
  }
  if (auto r = impl_->applyLog(db); !r) return r;
  // A cache that caught up but still disagrees with the database is stale
  // (e.g. written by a process that crashed between log and cache): rebuild.
  auto count = impl_->storedCount(db);
  if (!count) return fail(count.error());
  if (static_cast<std::int64_t>(impl_->live()) != *count) {
    if (auto r = impl_->rebuild(db); !r) return r;
    impl_->lastLoad = "rebuilt (stale: count mismatch)";
    impl_->unsaved = 1;
    rebuilt = impl_->hnsw != nullptr;
  }
  if (!impl_->hnsw && impl_->wantsGraph(impl_->live())) {  // grew past the threshold
    impl_->buildGraph();
    impl_->unsaved = 1;
    rebuilt = true;
  }
  // Save right after a build (so the next process can load it) and every
  // saveEvery changes; otherwise the destructor saves.
  if (impl_->hnsw && impl_->unsaved > 0 && (rebuilt || impl_->unsaved >= options_.saveEvery))
    (void)impl_->saveLocked();
  return {};
}

std::vector<VectorMatch> VectorIndex::search(const std::vector<float>& query, size_t k,
                                             const std::unordered_set<std::int64_t>* allowed) const {
  std::shared_lock lock(impl_->mu);
  if (query.size() != static_cast<size_t>(dim_)) return {};
  if (!impl_->hnsw || (allowed && allowed->size() <= options_.exactFilterLimit))
    return impl_->flat.top(query.data(), k, allowed);
  return impl_->approximate(query, k, allowed);
}

std::vector<VectorMatch> VectorIndex::searchExact(const std::vector<float>& query, size_t k,
                                                  const std::unordered_set<std::int64_t>* allowed) const {
  std::shared_lock lock(impl_->mu);
  if (query.size() != static_cast<size_t>(dim_)) return {};
  return impl_->flat.topExact(query.data(), k, allowed);
}

std::vector<VectorMatch> VectorIndex::searchApproximate(const std::vector<float>& query, size_t k) const {
  std::shared_lock lock(impl_->mu);
  if (query.size() != static_cast<size_t>(dim_)) return {};
  return impl_->approximate(query, k, nullptr);
}

Result<void> VectorIndex::save() {
  std::unique_lock lock(impl_->mu);
  return impl_->saveLocked();
}

void VectorIndex::setEfSearch(int ef) {
  std::unique_lock lock(impl_->mu);
  options_.efSearch = std::max(ef, 1);
  if (impl_->hnsw) impl_->hnsw->setEf(static_cast<size_t>(options_.efSearch));
}

size_t VectorIndex::size() const {
  std::shared_lock lock(impl_->mu);
  return impl_->live();
}

std::string VectorIndex::lastLoad() const {
  std::shared_lock lock(impl_->mu);
  return impl_->lastLoad;
}

}  // namespace flywheel::kb
