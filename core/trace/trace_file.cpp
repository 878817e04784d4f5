#include "trace/trace_file.h"

#include "util/error.h"
#include "util/varint.h"

#include <zlib.h>

#include <array>
#include <cstring>

namespace swb {

namespace {

constexpr std::string_view kMagic = "SWBTRACE";
constexpr std::size_t kHeaderSize = 16;
constexpr std::size_t kRecordOverhead = 1 + 4 + 4; // type, length, crc
constexpr std::uint32_t kMaxRecord = 256u << 20;
constexpr std::size_t kArgSlots = 1024;

enum RecordType : std::uint8_t {
    RecMeta = 1,
    RecEvents = 2,
    RecSignals = 3,
    RecStack = 4,
    RecProcess = 5,
    RecEnd = 6,
};

enum EventHeaderBit : std::uint8_t {
    HSameThread = 1u << 0,
    HPidIsTid = 1u << 1,
    HHasStack = 1u << 2,
    HNoReturn = 1u << 3,
    HNoArgs = 1u << 4,
    HViolation = 1u << 5,
    HReserved = 0xc0, // bits 6 and 7: zero in version 1
};

void putU32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i)
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint32_t getU32(const char* p) {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
        v |= static_cast<std::uint32_t>(static_cast<std::uint8_t>(p[i])) << (8 * i);
    return v;
}

std::size_t argSlot(std::int32_t nr) {
    return static_cast<std::uint32_t>(nr) % kArgSlots;
}

// Per-block coding context, shared by the encoder and the decoder so both evolve identically.
struct EventContext {
    std::int64_t time = 0;
    Pid tid = 0;
    Pid pid = 0;
    std::vector<std::array<std::uint64_t, 6>> args = std::vector<std::array<std::uint64_t, 6>>(kArgSlots);
};

std::string encodeEvents(const std::vector<SyscallEvent>& events) {
    std::string out;
    out.reserve(events.size() * 12);
    putVarint(out, events.size());
    EventContext ctx;
    for (const auto& e : events) {
        std::uint8_t h = 0;
        if (e.tid == ctx.tid && e.pid == ctx.pid)
            h |= HSameThread;
        if (e.pid == e.tid)
            h |= HPidIsTid;
        if (e.stackId)
            h |= HHasStack;
        if (e.flags & EventNoReturn)
            h |= HNoReturn;
        if (e.flags & EventNoArgs)
            h |= HNoArgs;
        if (e.flags & EventViolation)
            h |= HViolation;
        out.push_back(static_cast<char>(h));
        putSigned(out, e.timeNs - ctx.time);
        if (!(h & HSameThread)) {
            putSigned(out, static_cast<std::int64_t>(e.tid) - ctx.tid);
            if (!(h & HPidIsTid))
                putSigned(out, static_cast<std::int64_t>(e.pid) - e.tid);
        }
        putVarint(out, static_cast<std::uint64_t>(static_cast<std::int64_t>(e.nr) + 1));
        putSigned(out, e.ret);
        if (!(h & HNoArgs)) {
            auto& prev = ctx.args[argSlot(e.nr)];
            std::uint8_t mask = 0;
            for (int k = 0; k < 6; ++k)
                if (e.args[static_cast<std::size_t>(k)] != prev[static_cast<std::size_t>(k)])
                    mask |= static_cast<std::uint8_t>(1u << k);
            out.push_back(static_cast<char>(mask));
            for (std::size_t k = 0; k < 6; ++k)
                if (mask & (1u << k))
                    putSigned(out, static_cast<std::int64_t>(e.args[k] - prev[k]));
            prev = e.args;
        }
        if (h & HHasStack)
            putVarint(out, e.stackId);
        ctx.time = e.timeNs;
        ctx.tid = e.tid;
        ctx.pid = e.pid;
    }
    return out;
}

// Decodes one events record; returns false when the payload is malformed.
bool decodeEvents(std::string_view payload, TraceSink& sink) {
    ByteReader r(payload);
    const auto count = r.varint();
    if (r.failed() || count > payload.size())
        return false;
    EventContext ctx;
    SyscallEvent e;
    for (std::uint64_t i = 0; i < count; ++i) {
        const std::uint8_t h = r.byte();
        if (h & HReserved)
            return false;
        e.timeNs = ctx.time + r.signedVarint();
        if (h & HSameThread) {
            e.tid = ctx.tid;
            e.pid = ctx.pid;
        } else {
            e.tid = static_cast<Pid>(ctx.tid + r.signedVarint());
            e.pid = (h & HPidIsTid) ? e.tid : static_cast<Pid>(e.tid + r.signedVarint());
        }
        e.nr = static_cast<std::int32_t>(static_cast<std::int64_t>(r.varint()) - 1);
        e.ret = r.signedVarint();
        e.flags = 0;
        if (h & HNoReturn)
            e.flags |= EventNoReturn;
        if (h & HViolation)
            e.flags |= EventViolation;
        if (h & HNoArgs) {
            e.flags |= EventNoArgs;
            e.args = {};
        } else {
            auto& prev = ctx.args[argSlot(e.nr)];
            const std::uint8_t mask = r.byte();
            for (std::size_t k = 0; k < 6; ++k)
                e.args[k] =
                    (mask & (1u << k)) ? prev[k] + static_cast<std::uint64_t>(r.signedVarint()) : prev[k];
            prev = e.args;
        }
        e.stackId = (h & HHasStack) ? static_cast<std::uint32_t>(r.varint()) : 0;
        if (r.failed())
            return false;
        ctx.time = e.timeNs;
        ctx.tid = e.tid;
        ctx.pid = e.pid;
        sink.event(e);
    }
    return r.atEnd();
}

std::string encodeProcess(const ProcessInfo& p) {
    std::string out;
    putSigned(out, p.pid);
    putSigned(out, p.parent);
    putSigned(out, p.startNs);
    putSigned(out, p.endNs);
    out.push_back(static_cast<char>(p.exitKind));
    putSigned(out, p.exitValue);
    putString(out, p.image);
    putVarint(out, p.argv.size());
    for (const auto& a : p.argv)
        putString(out, a);
    putVarint(out, p.threads.size());
    for (auto t : p.threads)
        putSigned(out, t);
    return out;
}

} // namespace

bool looksLikeTraceFile(std::string_view head) {
    return head.substr(0, kMagic.size()) == kMagic;
}

TraceFileWriter::TraceFileWriter(const std::string& path)
    : file_(path) {
    std::string header(kMagic);
    header.push_back(static_cast<char>(kTraceFormatVersion & 0xff));
    header.push_back(static_cast<char>(kTraceFormatVersion >> 8));
    header.append(6, '\0');
    file_.write(header);
    bytes_ = header.size();
    pending_.reserve(kBlockEvents);
}

TraceFileWriter::~TraceFileWriter() {
    if (!ended_) {
        // Interrupted producer: keep what we have in the .partial file for recovery.
        try {
            flushBlock();
            file_.flush();
        } catch (...) {
        }
        file_.keepPartial();
    }
}

void TraceFileWriter::writeRecord(std::uint8_t type, const std::string& payload) {
    std::string rec;
    rec.reserve(payload.size() + kRecordOverhead);
    rec.push_back(static_cast<char>(type));
    putU32(rec, static_cast<std::uint32_t>(payload.size()));
    rec += payload;
    const auto crc = crc32(0L, reinterpret_cast<const Bytef*>(rec.data()), static_cast<uInt>(rec.size()));
    putU32(rec, static_cast<std::uint32_t>(crc));
    file_.write(rec);
    bytes_ += rec.size();
}

void TraceFileWriter::begin(Arch arch, const std::vector<std::string>& command,
                            std::int64_t wallClockStartNs) {
    std::string p;
    p.push_back(static_cast<char>(arch));
    putSigned(p, wallClockStartNs);
    putVarint(p, command.size());
    for (const auto& c : command)
        putString(p, c);
    writeRecord(RecMeta, p);
    file_.flush();
}

void TraceFileWriter::event(const SyscallEvent& e) {
    pending_.push_back(e);
    if (pending_.size() >= kBlockEvents)
        flushBlock();
}

void TraceFileWriter::signal(const SignalEvent& s) {
    pendingSignals_.push_back(s);
}

void TraceFileWriter::stack(std::uint32_t id, const Stack& stack) {
    std::string p;
    putVarint(p, id);
    putVarint(p, stack.size());
    for (const auto& f : stack) {
        putVarint(p, f.ip);
        putString(p, f.module);
        putString(p, f.function);
        putVarint(p, f.offset);
    }
    writeRecord(RecStack, p);
}

void TraceFileWriter::process(const ProcessInfo& p) {
    writeRecord(RecProcess, encodeProcess(p));
}

void TraceFileWriter::flushBlock() {
    if (!pending_.empty()) {
        writeRecord(RecEvents, encodeEvents(pending_));
        events_ += pending_.size();
        pending_.clear();
    }
    if (!pendingSignals_.empty()) {
        std::string p;
        putVarint(p, pendingSignals_.size());
        std::int64_t prev = 0;
        for (const auto& s : pendingSignals_) {
            putSigned(p, s.timeNs - prev);
            prev = s.timeNs;
            putSigned(p, s.pid);
            putSigned(p, s.tid);
            putVarint(p, static_cast<std::uint64_t>(s.signo));
        }
        writeRecord(RecSignals, p);
        pendingSignals_.clear();
    }
    file_.flush();
}

void TraceFileWriter::end() {
    flushBlock();
    std::string p;
    putVarint(p, events_);
    writeRecord(RecEnd, p);
    file_.commit();
    ended_ = true;
}

LoadedTrace parseTraceBytes(std::string_view bytes, const std::string& name) {
    auto fail = [&](std::size_t offset, const std::string& problem) -> Error {
        return Error(name + ": offset " + std::to_string(offset) + ": " + problem);
    };
    if (bytes.size() < kMagic.size() || !looksLikeTraceFile(bytes)) {
        if (bytes.size() < kMagic.size() && kMagic.starts_with(bytes))
            throw fail(0, "truncated trace file header (" + std::to_string(bytes.size()) + " bytes)");
        throw fail(0, "not a Seccomp Workbench trace file (bad magic)");
    }
    if (bytes.size() < kHeaderSize)
        throw fail(bytes.size(), "truncated trace file header");
    const auto version = static_cast<std::uint16_t>(static_cast<std::uint8_t>(bytes[8]) |
                                                    (static_cast<std::uint8_t>(bytes[9]) << 8));
    if (version == 0 || version > kTraceFormatVersion)
        throw fail(8, "trace format version " + std::to_string(version) +
                          " is newer than this build supports (" + std::to_string(kTraceFormatVersion) +
                          "); upgrade Seccomp Workbench");

    LoadedTrace out;
    MemorySink sink(out.trace);
    bool sawMeta = false;
    bool sawEnd = false;
    std::uint64_t expectedEvents = 0;
    std::size_t pos = kHeaderSize;
    while (pos < bytes.size()) {
        if (bytes.size() - pos < kRecordOverhead) {
            out.warnings.push_back(name + ": truncated at offset " + std::to_string(pos) +
                                   ": incomplete record header; loaded the " +
                                   std::to_string(out.trace.eventCount()) + " events before it");
            break;
        }
        const auto type = static_cast<std::uint8_t>(bytes[pos]);
        const std::uint32_t len = getU32(bytes.data() + pos + 1);
        if (len > kMaxRecord || type == 0)
            throw fail(pos, "corrupt record header (type " + std::to_string(type) + ", length " +
                                std::to_string(len) + ")");
        if (bytes.size() - pos < kRecordOverhead + len) {
            out.warnings.push_back(name + ": truncated at offset " + std::to_string(pos) + ": record of " +
                                   std::to_string(len) + " bytes is incomplete; loaded the " +
                                   std::to_string(out.trace.eventCount()) + " events before it");
            break;
        }
        const auto crcStored = getU32(bytes.data() + pos + 5 + len);
        const auto crc = static_cast<std::uint32_t>(
            crc32(0L, reinterpret_cast<const Bytef*>(bytes.data() + pos), static_cast<uInt>(5 + len)));
        if (crc != crcStored)
            throw fail(pos,
                       "checksum mismatch in record of type " + std::to_string(type) + " (corrupt file)");
        const std::string_view payload = bytes.substr(pos + 5, len);
        ByteReader r(payload);
        if (type != RecMeta && !sawMeta)
            throw fail(pos, "first record is not the trace metadata");
        switch (type) {
        case RecMeta: {
            const auto arch = r.byte();
            if (arch != static_cast<std::uint8_t>(Arch::X86_64))
                throw fail(pos, "unknown architecture code " + std::to_string(arch));
            const auto wall = r.signedVarint();
            std::vector<std::string> command(std::min<std::uint64_t>(r.varint(), payload.size()));
            for (auto& c : command)
                c = r.string();
            if (r.failed())
                throw fail(pos, "malformed metadata record");
            sink.begin(static_cast<Arch>(arch), command, wall);
            sawMeta = true;
            break;
        }
        case RecEvents:
            if (!decodeEvents(payload, sink))
                throw fail(pos, "malformed events record");
            break;
        case RecSignals: {
            const auto n = r.varint();
            std::int64_t prev = 0;
            for (std::uint64_t i = 0; i < n && !r.failed(); ++i) {
                SignalEvent s;
                s.timeNs = prev + r.signedVarint();
                prev = s.timeNs;
                s.pid = static_cast<Pid>(r.signedVarint());
                s.tid = static_cast<Pid>(r.signedVarint());
                s.signo = static_cast<std::int32_t>(r.varint());
                sink.signal(s);
            }
            if (r.failed() || !r.atEnd())
                throw fail(pos, "malformed signals record");
            break;
        }
        case RecStack: {
            const auto id = static_cast<std::uint32_t>(r.varint());
            Stack st(std::min<std::uint64_t>(r.varint(), payload.size()));
            for (auto& f : st) {
                f.ip = r.varint();
                f.module = r.string();
                f.function = r.string();
                f.offset = r.varint();
            }
            if (r.failed() || !r.atEnd() || id == 0)
                throw fail(pos, "malformed stack record");
            sink.stack(id, st);
            break;
        }
        case RecProcess: {
            ProcessInfo p;
            p.pid = static_cast<Pid>(r.signedVarint());
            p.parent = static_cast<Pid>(r.signedVarint());
            p.startNs = r.signedVarint();
            p.endNs = r.signedVarint();
            const auto kind = r.byte();
            if (kind > static_cast<std::uint8_t>(ExitKind::Detached))
                throw fail(pos, "unknown process exit kind " + std::to_string(kind));
            p.exitKind = static_cast<ExitKind>(kind);
            p.exitValue = static_cast<std::int32_t>(r.signedVarint());
            p.image = r.string();
            p.argv.resize(std::min<std::uint64_t>(r.varint(), payload.size()));
            for (auto& a : p.argv)
                a = r.string();
            p.threads.resize(std::min<std::uint64_t>(r.varint(), payload.size()));
            for (auto& t : p.threads)
                t = static_cast<Pid>(r.signedVarint());
            if (r.failed() || !r.atEnd())
                throw fail(pos, "malformed process record");
            sink.process(p);
            break;
        }
        case RecEnd:
            expectedEvents = r.varint();
            if (r.failed())
                throw fail(pos, "malformed end record");
            sawEnd = true;
            break;
        default:
            throw fail(pos, "unknown record type " + std::to_string(type));
        }
        pos += kRecordOverhead + len;
        if (sawEnd)
            break;
    }
    if (!sawMeta)
        throw fail(pos, "truncated trace file: no metadata record");
    if (sawEnd && expectedEvents != out.trace.eventCount())
        throw fail(pos, "end record announces " + std::to_string(expectedEvents) + " events, file holds " +
                            std::to_string(out.trace.eventCount()));
    if (sawEnd && pos != bytes.size())
        out.warnings.push_back(name + ": " + std::to_string(bytes.size() - pos) +
                               " unexpected bytes after the end record at offset " + std::to_string(pos) +
                               " were ignored");
    if (!sawEnd && out.warnings.empty())
        out.warnings.push_back(name + ": no end record: the trace was cut short (tracer killed?); loaded " +
                               std::to_string(out.trace.eventCount()) + " events");
    out.trace.sortByTime();
    out.trace.shrinkToFit();
    return out;
}

LoadedTrace readTraceFile(const std::string& path) {
    return parseTraceBytes(readWholeFile(path), path);
}

void writeTraceFile(const Trace& trace, const std::string& path) {
    TraceFileWriter w(path);
    w.begin(trace.arch, trace.command, trace.wallClockStartNs);
    for (std::uint32_t id = 1; id <= trace.stackCount(); ++id)
        w.stack(id, trace.stack(id));
    for (const auto& p : trace.processes)
        w.process(p);
    std::size_t s = 0;
    for (std::size_t i = 0; i < trace.eventCount(); ++i) {
        while (s < trace.signalEvents.size() && trace.signalEvents[s].timeNs <= trace.timeNs(i))
            w.signal(trace.signalEvents[s++]);
        w.event(trace.event(i));
    }
    while (s < trace.signalEvents.size())
        w.signal(trace.signalEvents[s++]);
    w.end();
}

} // namespace swb
