#include "trace/stack_unwinder.h"

#include <elfutils/libdwfl.h>

#include <cxxabi.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace swb {

namespace {

// Symbolized addresses kept per process before the cache starts over: a traced program reaches its
// syscalls from a few thousand call sites at most, so this bounds a pathological one (JIT code).
constexpr std::size_t kMaxCachedSymbols = 1u << 16;

struct DwflCloser {
    void operator()(Dwfl* dwfl) const { dwfl_end(dwfl); }
};
using DwflPtr = std::unique_ptr<Dwfl, DwflCloser>;

// Libdw finds each module's ELF file through /proc/PID (also the vDSO, read from the tracee's
// memory) and its separate debug information the standard way. Must outlive every Dwfl.
const Dwfl_Callbacks kProcCallbacks = {
    .find_elf = dwfl_linux_proc_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = nullptr,
    .debuginfo_path = nullptr,
};

std::string procPath(Pid pid, const char* leaf) {
    return "/proc/" + std::to_string(pid) + "/" + leaf;
}

// Reads a whole /proc file (their st_size is 0, so read until end of file). Empty on failure.
std::string readProcFile(const std::string& path) {
    std::string out;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return out;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return out;
}

// What changes when a process execs: the executable file and the auxiliary vector the kernel builds
// for each new image (entry point, program headers, vDSO and AT_RANDOM addresses). A re-exec of the
// same file into the same layout (no ASLR) keeps both, and then libdw's old state is still right.
struct ExecIdentity {
    dev_t dev = 0;
    ino_t ino = 0;
    bool exeReadable = false; // libdw takes the architecture from /proc/PID/exe when it can open it
    std::string auxv;
    bool operator==(const ExecIdentity&) const = default;
};

ExecIdentity readExecIdentity(Pid pid) {
    ExecIdentity id;
    const int fd = ::open(procPath(pid, "exe").c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (fd >= 0 && ::fstat(fd, &st) == 0) {
        id.dev = st.st_dev;
        id.ino = st.st_ino;
        id.exeReadable = true;
    }
    if (fd >= 0)
        ::close(fd);
    id.auxv = readProcFile(procPath(pid, "auxv"));
    return id;
}

struct ModuleRange {
    Dwarf_Addr low = 0;
    Dwarf_Addr high = 0;
    std::string name;
    bool operator==(const ModuleRange&) const = default;
};

std::vector<ModuleRange> reportedModules(Dwfl* dwfl) {
    std::vector<ModuleRange> modules;
    dwfl_getmodules(
        dwfl,
        [](Dwfl_Module* mod, void**, const char* name, Dwarf_Addr, void* arg) -> int {
            ModuleRange m;
            dwfl_module_info(mod, nullptr, &m.low, &m.high, nullptr, nullptr, nullptr, nullptr);
            try {
                m.name = name ? name : "";
                static_cast<std::vector<ModuleRange>*>(arg)->push_back(std::move(m));
            } catch (...) {
                return DWARF_CB_ABORT;
            }
            return DWARF_CB_OK;
        },
        &modules, 0);
    return modules;
}

// "/usr/lib/x86_64-linux-gnu/libc.so.6" -> "libc.so.6"; libdw's "[vdso: 1234]" -> "[vdso]" so the
// same frame reads the same in every process.
std::string moduleDisplayName(const char* name) {
    if (!name)
        return {};
    std::string_view n(name);
    if (n.starts_with("[vdso"))
        return "[vdso]";
    const auto slash = n.rfind('/');
    return std::string(slash == std::string_view::npos ? n : n.substr(slash + 1));
}

std::string demangle(const std::string& name) {
    if (name.starts_with("_Z")) {
        int status = 0;
        char* out = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
        if (status == 0 && out) {
            std::string result(out);
            std::free(out);
            return result;
        }
        std::free(out);
    }
    return name;
}

// A symbol table name as a frame shows it. Symbols defined with .symver carry their version in the
// name: the default one ("__libc_start_main@@GLIBC_2.34") is what callers link to and reads as the
// plain name; an old one ("memcpy@GLIBC_2.2.5") is another function and keeps its version.
std::string functionName(std::string_view raw) {
    std::string_view version;
    if (const auto at = raw.find('@'); at != std::string_view::npos) {
        version = raw.substr(at);
        raw = raw.substr(0, at);
        if (version.starts_with("@@"))
            version = {};
    }
    return demangle(std::string(raw)) + std::string(version);
}

struct Symbol {
    std::string module;
    std::string function;
    Dwarf_Addr start = 0; // the symbol's address, or the module's load bias when there is no symbol
};

struct ProcessState {
    DwflPtr dwfl;
    ExecIdentity identity;
    std::vector<ModuleRange> modules; // as last reported, to keep the symbol cache when they did not change
    std::unordered_map<Dwarf_Addr, Symbol> symbols; // lookup address -> symbol
    bool stale = false;
    std::uint64_t lastUse = 0;

    const Symbol& symbolize(Dwarf_Addr lookup);
    bool reportModules(Pid pid);
};

// Reads /proc/PID/maps into the Dwfl. Modules still mapped where they were keep their loaded ELF,
// symbol table and CFI; modules no longer mapped are dropped.
bool ProcessState::reportModules(Pid pid) {
    dwfl_report_begin(dwfl.get());
    const int r = dwfl_linux_proc_report(dwfl.get(), pid);
    const bool ended = dwfl_report_end(dwfl.get(), nullptr, nullptr) == 0;
    if (r != 0 || !ended)
        return false;
    auto now = reportedModules(dwfl.get());
    if (now != modules) {
        symbols.clear();
        modules = std::move(now);
    }
    return true;
}

const Symbol& ProcessState::symbolize(Dwarf_Addr lookup) {
    if (auto it = symbols.find(lookup); it != symbols.end())
        return it->second;
    if (symbols.size() >= kMaxCachedSymbols)
        symbols.clear();
    Symbol s;
    if (Dwfl_Module* mod = dwfl_addrmodule(dwfl.get(), lookup)) {
        Dwarf_Addr low = 0;
        s.module = moduleDisplayName(
            dwfl_module_info(mod, nullptr, &low, nullptr, nullptr, nullptr, nullptr, nullptr));
        GElf_Off off = 0;
        GElf_Sym sym{};
        const char* name = dwfl_module_addrinfo(mod, lookup, &off, &sym, nullptr, nullptr, nullptr);
        if (name && *name) {
            s.function = functionName(name);
            s.start = lookup - off;
        } else {
            // No symbol covers the address: the offset is from the load bias, which is what
            // addr2line and objdump take for the file. Without the ELF file, from the mapping start.
            Dwarf_Addr bias = 0;
            s.start = dwfl_module_getelf(mod, &bias) ? bias : low;
        }
    }
    return symbols.emplace(lookup, std::move(s)).first->second;
}

// Starts libdw's view of a ptrace-stopped process: its modules, then its thread state (without
// PTRACE_ATTACH: the caller is already the tracer). Null when libdw cannot take the process.
std::unique_ptr<ProcessState> openProcess(Pid pid) {
    auto state = std::make_unique<ProcessState>();
    state->dwfl.reset(dwfl_begin(&kProcCallbacks));
    if (!state->dwfl)
        return nullptr;
    state->identity = readExecIdentity(pid);
    if (!state->reportModules(pid))
        return nullptr;
    if (dwfl_linux_proc_attach(state->dwfl.get(), pid, true) != 0)
        return nullptr;
    return state;
}

struct Walk {
    ProcessState* process;
    Stack* frames;
    std::size_t maxFrames;
};

// Called by libdw for each frame, innermost first. Nothing may throw through libdw's C frames.
int onFrame(Dwfl_Frame* frame, void* arg) {
    auto& walk = *static_cast<Walk*>(arg);
    Dwarf_Addr pc = 0;
    bool activation = false;
    if (!dwfl_frame_pc(frame, &pc, &activation))
        return DWARF_CB_ABORT;
    // A zero return address past the first frame is the end of a frame-pointer chain, not a caller.
    if (pc == 0 && !walk.frames->empty())
        return DWARF_CB_ABORT;
    // A caller's pc is the return address, which can already be the next function (a call that never
    // returns, last in its function): look up the call instruction instead, and keep the real pc.
    const Dwarf_Addr lookup = (activation || pc == 0) ? pc : pc - 1;
    try {
        const Symbol& s = walk.process->symbolize(lookup);
        walk.frames->push_back({pc, s.module, s.function, pc - s.start});
    } catch (...) {
        return DWARF_CB_ABORT;
    }
    return walk.frames->size() >= walk.maxFrames ? DWARF_CB_ABORT : DWARF_CB_OK;
}

} // namespace

struct StackUnwinder::Impl {
    explicit Impl(std::size_t max)
        : maxProcesses(std::max<std::size_t>(max, 1)) {}

    std::size_t maxProcesses;
    std::uint64_t clock = 0;
    std::unordered_map<Pid, std::unique_ptr<ProcessState>> processes;

    // Makes room for one more process by dropping the one unwound longest ago.
    void evictIfFull() {
        if (processes.size() < maxProcesses)
            return;
        auto oldest = processes.begin();
        for (auto it = processes.begin(); it != processes.end(); ++it)
            if (it->second->lastUse < oldest->second->lastUse)
                oldest = it;
        processes.erase(oldest);
    }

    // The process's state, brought up to date with its mappings; null when libdw cannot take it.
    ProcessState* prepare(Pid pid) {
        auto it = processes.find(pid);
        if (it == processes.end()) {
            evictIfFull();
            auto opened = openProcess(pid);
            if (!opened)
                return nullptr;
            opened->lastUse = ++clock;
            return processes.emplace(pid, std::move(opened)).first->second.get();
        }
        ProcessState& state = *it->second;
        state.lastUse = ++clock;
        if (!state.stale)
            return &state;
        // libdw's thread state belongs to one exec'd image (its architecture comes from that
        // executable, or from one of its modules when the executable cannot be opened), so a new
        // image, or any change when the backend is borrowed from a module, starts over.
        const auto identity = readExecIdentity(pid);
        if (identity != state.identity || !identity.exeReadable) {
            processes.erase(it);
            return prepare(pid);
        }
        if (!state.reportModules(pid))
            return nullptr; // still stale: the next unwind tries again
        state.stale = false;
        return &state;
    }
};

StackUnwinder::StackUnwinder(std::size_t maxProcesses)
    : impl_(std::make_unique<Impl>(maxProcesses)) {}
StackUnwinder::~StackUnwinder() = default;
StackUnwinder::StackUnwinder(StackUnwinder&&) noexcept = default;
StackUnwinder& StackUnwinder::operator=(StackUnwinder&&) noexcept = default;

Stack StackUnwinder::unwind(Pid pid, Pid tid, std::size_t maxFrames) {
    Stack frames;
    if (maxFrames == 0)
        return frames;
    try {
        ProcessState* state = impl_->prepare(pid);
        if (!state)
            return frames;
        frames.reserve(std::min<std::size_t>(maxFrames, 32));
        Walk walk{state, &frames, maxFrames};
        // Fails with the frames so far when the unwind breaks off (no CFI and no frame pointer, an
        // unreadable stack); they are all still useful.
        dwfl_getthread_frames(state->dwfl.get(), tid, onFrame, &walk);
    } catch (...) {
        // Out of memory while preparing: whatever frames there are.
    }
    return frames;
}

void StackUnwinder::invalidate(Pid pid) {
    if (auto it = impl_->processes.find(pid); it != impl_->processes.end())
        it->second->stale = true;
}

void StackUnwinder::forget(Pid pid) {
    impl_->processes.erase(pid);
}

std::size_t StackUnwinder::processCount() const {
    return impl_->processes.size();
}

} // namespace swb
