#pragma once

#include "trace/trace_sink.h"
#include "util/atomic_file.h"

#include <memory>
#include <string>
#include <vector>

namespace swb {

// The trace file format (docs/formats.md, "Trace file"): a header, then CRC-checked records;
// events are delta-encoded in blocks so the file stays near 10 bytes per event.
inline constexpr std::uint16_t kTraceFormatVersion = 1;

// Streams a trace into PATH.partial and renames it to PATH on end(). When the producer is killed,
// the .partial file holds every block flushed so far and loads with a warning.
class TraceFileWriter : public TraceSink {
public:
    explicit TraceFileWriter(const std::string& path);
    ~TraceFileWriter() override;

    void begin(Arch arch, const std::vector<std::string>& command, std::int64_t wallClockStartNs) override;
    void event(const SyscallEvent& e) override;
    void signal(const SignalEvent& s) override;
    void stack(std::uint32_t id, const Stack& stack) override;
    void process(const ProcessInfo& p) override;
    void end() override;

    // Writes buffered events as a block (also done every kBlockEvents events).
    void flushBlock();
    std::uint64_t bytesWritten() const { return bytes_; }
    std::uint64_t eventsWritten() const { return events_; }

    static constexpr std::size_t kBlockEvents = 4096;

private:
    void writeRecord(std::uint8_t type, const std::string& payload);

    AtomicFile file_;
    std::vector<SyscallEvent> pending_;
    std::vector<SignalEvent> pendingSignals_;
    std::uint64_t bytes_ = 0;
    std::uint64_t events_ = 0;
    bool ended_ = false;
};

struct LoadedTrace {
    Trace trace;
    std::vector<std::string> warnings; // e.g. a truncated file
};

// Reads a trace file. Throws swb::Error naming the file, the byte offset and the problem for a
// foreign, corrupt or newer file; a truncated file loads up to its last complete record.
LoadedTrace readTraceFile(const std::string& path);
LoadedTrace parseTraceBytes(std::string_view bytes, const std::string& nameForMessages);

// Whether the bytes start with the trace file magic.
bool looksLikeTraceFile(std::string_view head);

// Writes a whole in-memory trace.
void writeTraceFile(const Trace& trace, const std::string& path);

} // namespace swb
