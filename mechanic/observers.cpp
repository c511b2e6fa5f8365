// The mechanic's observers (observer.h): registration and delivery.
#include "mechanic/mechanic.h"

namespace flywheel::mechanic {

void Mechanic::addObserver(std::shared_ptr<MechanicObserver> observer) {
  if (!observer) return;
  std::lock_guard lock(observersMu_);
  observers_.push_back(std::move(observer));
}

void Mechanic::removeObserver(const MechanicObserver* observer) {
  std::lock_guard lock(observersMu_);
  std::erase_if(observers_, [&](const auto& o) { return o.get() == observer; });
}

void Mechanic::notify(const std::function<void(MechanicObserver&)>& f) {
  std::vector<std::shared_ptr<MechanicObserver>> list;
  {
    std::lock_guard lock(observersMu_);
    list = observers_;
  }
  for (const auto& o : list) f(*o);
}

ProgressFn Mechanic::observedProgress(std::int64_t epoch, std::string sandbox, ProgressFn inner) {
  return [this, epoch, sandbox = std::move(sandbox), inner = std::move(inner)](double done, double total,
                                                                               const std::string& message) {
    if (inner) inner(done, total, message);
    GateProgress p{.epoch = epoch, .sandbox = sandbox, .message = message, .done = done, .total = total};
    notify([&](MechanicObserver& o) { o.gateProgress(p); });
  };
}

}  // namespace flywheel::mechanic
