#pragma once

#include "model/trace.h"

namespace swb {

// Where a producer of trace data (the tracer, an importer) delivers it, in time order.
// A stack is delivered once, before the first event that references it.
class TraceSink {
public:
    virtual ~TraceSink() = default;
    virtual void begin(Arch arch, const std::vector<std::string>& command, std::int64_t wallClockStartNs) = 0;
    virtual void event(const SyscallEvent& e) = 0;
    virtual void signal(const SignalEvent& s) = 0;
    virtual void stack(std::uint32_t id, const Stack& stack) = 0;
    // A process was created, exec'd, or ended; the latest state replaces earlier ones.
    virtual void process(const ProcessInfo& p) = 0;
    // The trace is complete (not called when the producer was interrupted hard).
    virtual void end() = 0;
};

// Collects everything into an in-memory Trace.
class MemorySink : public TraceSink {
public:
    explicit MemorySink(Trace& trace)
        : trace_(trace) {}
    void begin(Arch arch, const std::vector<std::string>& command, std::int64_t wallClockStartNs) override;
    void event(const SyscallEvent& e) override;
    void signal(const SignalEvent& s) override;
    void stack(std::uint32_t id, const Stack& stack) override;
    void process(const ProcessInfo& p) override;
    void end() override {}

private:
    Trace& trace_;
    std::vector<std::uint32_t> stackMap_; // producer id -> trace id
};

// Forwards to several sinks.
class TeeSink : public TraceSink {
public:
    TeeSink(TraceSink& a, TraceSink& b)
        : a_(a)
        , b_(b) {}
    void begin(Arch arch, const std::vector<std::string>& command, std::int64_t wallClockStartNs) override {
        a_.begin(arch, command, wallClockStartNs);
        b_.begin(arch, command, wallClockStartNs);
    }
    void event(const SyscallEvent& e) override {
        a_.event(e);
        b_.event(e);
    }
    void signal(const SignalEvent& s) override {
        a_.signal(s);
        b_.signal(s);
    }
    void stack(std::uint32_t id, const Stack& st) override {
        a_.stack(id, st);
        b_.stack(id, st);
    }
    void process(const ProcessInfo& p) override {
        a_.process(p);
        b_.process(p);
    }
    void end() override {
        a_.end();
        b_.end();
    }

private:
    TraceSink& a_;
    TraceSink& b_;
};

} // namespace swb
