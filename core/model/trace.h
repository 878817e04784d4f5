#pragma once

#include "model/syscall_table.h"

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace swb {

using Pid = std::int32_t;

// Per-event flags.
enum EventFlag : std::uint8_t {
    // The syscall never returned to the tracer: the task exited inside it (exit, exit_group, a
    // successful execve in another thread), was killed, or the trace stopped first.
    EventNoReturn = 1u << 0,
    // Arguments are unknown (an strace line that did not show them, an attach in mid-syscall).
    EventNoArgs = 1u << 1,
    // The syscall broke the seccomp profile being validated: the filter sent it to the tracer
    // (complain mode: it ran; enforce mode: it failed with the profile's errno, see ret).
    EventViolation = 1u << 2,
};

struct SyscallEvent {
    std::int64_t timeNs = 0; // since trace start
    Pid pid = 0;             // thread-group id
    Pid tid = 0;
    std::int32_t nr = -1;
    std::array<std::uint64_t, 6> args{};
    std::int64_t ret = 0; // raw return value; -4095..-1 is an errno
    std::uint8_t flags = 0;
    std::uint32_t stackId = 0; // 0 = no stack; otherwise Trace::stack(stackId)
};

struct SignalEvent {
    std::int64_t timeNs = 0;
    Pid pid = 0;
    Pid tid = 0;
    std::int32_t signo = 0;
};

enum class ExitKind : std::uint8_t {
    Running = 0, // still alive when the trace ended
    Exited = 1,  // exitValue is the exit code
    Killed = 2,  // exitValue is the signal number
    Detached = 3 // the tracer detached (attach mode)
};

struct ProcessInfo {
    Pid pid = 0;
    Pid parent = 0;    // 0 when the parent was not traced
    std::string image; // the last successfully exec'd executable
    std::vector<std::string> argv;
    std::int64_t startNs = 0;
    std::int64_t endNs = -1;
    ExitKind exitKind = ExitKind::Running;
    std::int32_t exitValue = 0;
    std::vector<Pid> threads; // every tid seen in this thread group, the leader first
};

struct StackFrame {
    std::uint64_t ip = 0;
    std::string module;       // file name of the mapped object, empty when unknown
    std::string function;     // symbol, empty when unknown
    std::uint64_t offset = 0; // ip - symbol start, or ip - module base when there is no symbol

    // module!function+0xoffset, the way every view shows a frame.
    std::string display() const;
    bool operator==(const StackFrame&) const = default;
};

using Stack = std::vector<StackFrame>;

// A trace: processes and syscall events over time. Events are stored column by column so a
// million of them stay small and scanning one attribute touches only that attribute.
class Trace {
public:
    Arch arch = Arch::X86_64;
    std::vector<std::string> command;  // what was traced (argv, or "attach PID", or imported logs)
    std::int64_t wallClockStartNs = 0; // CLOCK_REALTIME at trace start, 0 when unknown
    std::vector<ProcessInfo> processes;
    std::vector<SignalEvent> signalEvents;

    std::size_t eventCount() const { return time_.size(); }
    bool empty() const { return time_.empty(); }
    void reserve(std::size_t n);
    // Releases spare column capacity once a trace is complete.
    void shrinkToFit();
    void append(const SyscallEvent& e);
    SyscallEvent event(std::size_t i) const;

    std::int64_t timeNs(std::size_t i) const { return time_[i]; }
    Pid pid(std::size_t i) const { return pid_[i]; }
    Pid tid(std::size_t i) const { return tid_[i]; }
    std::int32_t nr(std::size_t i) const { return nr_[i]; }
    std::int64_t ret(std::size_t i) const { return ret_[i]; }
    std::uint64_t arg(std::size_t i, int k) const { return args_[i][static_cast<std::size_t>(k)]; }
    std::uint8_t flags(std::size_t i) const { return flags_[i]; }
    std::uint32_t stackId(std::size_t i) const { return stackId_.empty() ? 0 : stackId_[i]; }

    // Deduplicated call stacks; ids start at 1.
    std::uint32_t internStack(const Stack& stack);
    const Stack& stack(std::uint32_t id) const { return stacks_.at(id - 1); }
    std::size_t stackCount() const { return stacks_.size(); }
    bool hasStacks() const { return !stacks_.empty(); }

    ProcessInfo* findProcess(Pid pid);
    const ProcessInfo* findProcess(Pid pid) const;
    ProcessInfo& addProcess(ProcessInfo p);

    // Sorted unique syscall numbers seen in the trace.
    std::vector<int> uniqueSyscalls() const;
    // Sorted unique names (unknown numbers as syscall_N).
    std::vector<std::string> uniqueSyscallNames() const;

    // End of the trace (last event, process end or signal), ns since start.
    std::int64_t durationNs() const;
    // Bytes held by the event columns and stacks, for the benchmark report.
    std::size_t memoryBytes() const;

    // Orders events by time (stable), as the importers need after merging per-pid logs.
    void sortByTime();

private:
    std::vector<std::int64_t> time_;
    std::vector<Pid> pid_;
    std::vector<Pid> tid_;
    std::vector<std::int32_t> nr_;
    std::vector<std::int64_t> ret_;
    std::vector<std::array<std::uint64_t, 6>> args_;
    std::vector<std::uint8_t> flags_;
    std::vector<std::uint32_t> stackId_; // empty until the first stack is attached
    std::vector<Stack> stacks_;
    std::unordered_map<std::string, std::uint32_t> stackIndex_; // serialized stack -> id
};

} // namespace swb
