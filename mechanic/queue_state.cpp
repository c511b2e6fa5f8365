#include "mechanic/queue_state.h"

namespace flywheel::mechanic {

void applyRepairStates(CascadeStatus& st) {
  for (auto& q : st.queue) {
    const SandboxStatus* sb = nullptr;
    for (const auto& s : st.sandboxes)
      if (s.service == q.service) sb = &s;
    if (sb && sb->state == "committed") {
      q.status = "repaired";
      q.note = "repaired in sandbox " + sb->id + " and committed to the cascade branch" +
               (st.state == "finished" ? "; landed on " + st.userRef : "");
    } else if (sb && sb->state == "halted") {
      q.status = "halted: needs a human";
      q.note = "Hard Halt: its sandbox is kept for a human at " + sb->path;
    } else if (st.state == "finished" && q.status != "green") {
      q.status = "green";
      q.note = "green once the services it depends on were repaired; landed on " + st.userRef;
    }
  }
}

}  // namespace flywheel::mechanic
