#include "trace/trace_sink.h"

namespace swb {

void MemorySink::begin(Arch arch, const std::vector<std::string>& command, std::int64_t wallClockStartNs) {
    trace_.arch = arch;
    trace_.command = command;
    trace_.wallClockStartNs = wallClockStartNs;
}

void MemorySink::event(const SyscallEvent& e) {
    // Stack ids are the producer's; the trace interns stacks under its own ids.
    SyscallEvent copy = e;
    copy.stackId = e.stackId < stackMap_.size() ? stackMap_[e.stackId] : 0;
    trace_.append(copy);
}

void MemorySink::signal(const SignalEvent& s) {
    trace_.signalEvents.push_back(s);
}

void MemorySink::stack(std::uint32_t id, const Stack& stack) {
    if (id >= stackMap_.size())
        stackMap_.resize(id + 1, 0);
    stackMap_[id] = trace_.internStack(stack);
}

void MemorySink::process(const ProcessInfo& p) {
    for (auto& existing : trace_.processes) {
        if (existing.pid == p.pid && existing.startNs == p.startNs) {
            existing = p;
            return;
        }
    }
    trace_.addProcess(p);
}

} // namespace swb
