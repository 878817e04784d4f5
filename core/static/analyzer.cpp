#include "static/analyzer.h"

#include "model/kernel_issued.h"
#include "static/code_analysis.h"
#include "static/elf_image.h"
#include "static/graph_record.h"
#include "static/module_cache.h"
#include "static/x86_insn.h"
#include "util/error.h"
#include "util/phase_timer.h"
#include "util/varint.h"

#include <elf.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace swb {

namespace {

// Functions that never return: decoding stops after a call to one of them.
const std::unordered_set<std::string>& noReturnNames() {
    static const std::unordered_set<std::string> names = {"exit",
                                                          "_exit",
                                                          "_Exit",
                                                          "abort",
                                                          "__stack_chk_fail",
                                                          "__assert_fail",
                                                          "__assert_perror_fail",
                                                          "__libc_fatal",
                                                          "__fortify_fail",
                                                          "__chk_fail",
                                                          "err",
                                                          "errx",
                                                          "verr",
                                                          "verrx",
                                                          "pthread_exit",
                                                          "__cxa_throw",
                                                          "__cxa_rethrow",
                                                          "_Unwind_Resume",
                                                          "longjmp",
                                                          "siglongjmp",
                                                          "__longjmp_chk",
                                                          "quick_exit",
                                                          "__libc_start_main",
                                                          "thrd_exit",
                                                          "__stack_chk_fail_local"};
    return names;
}

// glibc's NSS lookups, each with the database it queries: the stems that name that database's
// functions in a service (`_nss_SERVICE_getpwnam_r` contains "pw", `_nss_SERVICE_initgroups_dyn`
// "gr", `_nss_SERVICE_getcanonname_r` "canonname"). A lookup calls only its database's functions;
// a service function whose name holds no stem at all may be called by any lookup.
struct NssDatabase {
    std::vector<std::string_view> stems;
    std::vector<std::string_view> lookups;
};
const std::vector<NssDatabase>& nssDatabases() {
    static const std::vector<NssDatabase> databases = {
        {{"pw"},
         {"getpwnam", "getpwnam_r", "getpwuid", "getpwuid_r", "getpwent", "getpwent_r", "setpwent",
          "endpwent"}},
        {{"gr"},
         {"getgrnam", "getgrnam_r", "getgrgid", "getgrgid_r", "getgrent", "getgrent_r", "setgrent",
          "endgrent", "getgrouplist", "initgroups"}},
        {{"sp"}, {"getspnam", "getspnam_r", "getspent", "getspent_r", "setspent", "endspent"}},
        {{"sg"}, {"getsgnam", "getsgnam_r", "getsgent", "getsgent_r", "setsgent", "endsgent"}},
        {{"host", "canonname"},
         {"getaddrinfo", "getnameinfo", "gethostbyname", "gethostbyname_r", "gethostbyname2",
          "gethostbyname2_r", "gethostbyaddr", "gethostbyaddr_r", "gethostent", "gethostent_r", "sethostent",
          "endhostent"}},
        {{"netby", "netent"},
         {"getnetbyname", "getnetbyname_r", "getnetbyaddr", "getnetbyaddr_r", "getnetent", "getnetent_r",
          "setnetent", "endnetent"}},
        {{"proto"},
         {"getprotobyname", "getprotobyname_r", "getprotobynumber", "getprotobynumber_r", "getprotoent",
          "getprotoent_r", "setprotoent", "endprotoent"}},
        {{"serv"},
         {"getservbyname", "getservbyname_r", "getservbyport", "getservbyport_r", "getservent",
          "getservent_r", "setservent", "endservent"}},
        {{"rpc"},
         {"getrpcbyname", "getrpcbyname_r", "getrpcbynumber", "getrpcbynumber_r", "getrpcent", "getrpcent_r",
          "setrpcent", "endrpcent"}},
        {{"alias"},
         {"getaliasbyname", "getaliasbyname_r", "getaliasent", "getaliasent_r", "setaliasent",
          "endaliasent"}},
        {{"hostton", "ntohost"}, {"ether_hostton", "ether_ntohost"}},
        {{"netgr"}, {"innetgr", "setnetgrent", "getnetgrent", "getnetgrent_r", "endnetgrent"}},
        {{"publickey", "secretkey", "netname"}, {"getpublickey", "getsecretkey"}},
    };
    return databases;
}

// glibc functions that may load NSS service modules: every lookup of every database.
const std::set<std::string, std::less<>>& nssEntryNames() {
    static const std::set<std::string, std::less<>> names = [] {
        std::set<std::string, std::less<>> out;
        for (const auto& db : nssDatabases())
            out.insert(db.lookups.begin(), db.lookups.end());
        return out;
    }();
    return names;
}

constexpr const char* kBuiltinDnsPrefix = "_nss_dns_";

// The names glibc looks up in an NSS service module: `_nss_SERVICE_FUNCTION`.
constexpr const char* kNssPrefix = "_nss_";

const std::set<std::string, std::less<>>& dlopenNames() {
    static const std::set<std::string, std::less<>> names = {"dlopen", "dlmopen", "__libc_dlopen_mode"};
    return names;
}

std::string hex(std::uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(v));
    return buf;
}

std::string baseName(const std::string& p) {
    return p.substr(p.rfind('/') + 1);
}

constexpr const char* kArgRegs[] = {"rdi", "rsi", "rdx", "rcx", "r8", "r9"};

struct ModuleState {
    std::shared_ptr<const ElfImage> image;
    std::string path; // as the program sees it
    std::string hostPath;
    std::string reason;
    std::shared_ptr<const ModuleFacts> facts;
    FunctionId firstId = 0;          // facts function fi is FunctionId firstId + fi
    std::vector<std::size_t> needed; // DT_NEEDED modules (indices)
    // For a dlopen'ed module: the exported functions the program may look up with dlsym, all of
    // them unless the module was loaded only for NSS or iconv (then those named with one of these).
    std::vector<std::string> dlsymPrefixes;
    bool dlsymAny = true;
};

// Which data objects of one module the program can reach. Symbols with a size give real object
// extents. Elsewhere (stripped code) objects are guessed: every address a pointer in data points to
// starts an object ("strong" anchor), and every address the code refers to starts a segment
// ("weak" anchor) within one. Code that refers to an address can use the segment from there on; a
// pointer to an object can reach all of it, up to the next strong anchor. A slot belongs to the
// segment holding it; slots before the first anchor count as live.
class DataLiveness {
public:
    // How far past a pointer target an object is assumed to extend when no symbol gives its size
    // and code refers inside it. A heuristic, guarded by the soundness tests: 128 bytes covers
    // operation tables such as nginx's module contexts (104 bytes); 256 already lets glibc's RPC
    // tables pull sockets into every program (hello: 49 syscalls at 128, 65 at 256 and 512).
    static constexpr std::uint64_t kObjectReach = 128;

    template <typename Pointers>
    void build(const ElfImage& image, const ModuleFacts& facts, const Pointers& pointers,
               std::uint32_t module) {
        // Position-dependent images hold absolute pointers this model does not follow: all live.
        if (image.kind() == ElfImage::Kind::Executable && !image.isPie())
            return;
        std::vector<std::uint64_t> exported;
        std::vector<std::pair<std::uint64_t, bool>> anchors; // address, strong
        for (const auto* table : {&image.symbols(), &image.dynamicSymbols()})
            for (const auto& s : *table) {
                if (!s.defined || (s.type != STT_OBJECT && s.type != STT_NOTYPE))
                    continue;
                if (s.size > 0)
                    sized_.push_back({s.value, s.value + s.size});
                else
                    anchors.push_back({s.value, true});
                if (s.dynamic && s.binding != STB_LOCAL && s.visibility == STV_DEFAULT)
                    exported.push_back(s.value);
            }
        std::sort(sized_.begin(), sized_.end());
        sized_.erase(std::unique(sized_.begin(), sized_.end()), sized_.end());
        for (auto a : facts.dataReferences)
            anchors.push_back({a, false});
        for (const auto& p : pointers)
            if (p.targetModule == module)
                anchors.push_back({p.target, true});
        // An address inside a sized object is that object, not the start of a new one.
        std::erase_if(anchors, [&](const auto& a) { return sizedIndex(a.first) >= 0; });
        std::sort(anchors.begin(), anchors.end());
        for (const auto& [address, strong] : anchors) {
            if (!anchors_.empty() && anchors_.back() == address) {
                strong_.back() = strong_.back() || strong;
                continue;
            }
            anchors_.push_back(address);
            strong_.push_back(strong);
        }
        sizedLive_.assign(sized_.size(), 0);
        anchorLive_.assign(anchors_.size(), 0);
        std::vector<std::int64_t> ignored;
        for (auto a : exported)
            markLive(a, true, ignored);
    }
    // Segments: sized objects first, then anchored segments; -1 for an address before every anchor.
    std::size_t segmentCount() const { return sized_.size() + anchors_.size(); }
    std::int64_t segment(std::uint64_t address) const {
        if (const auto i = sizedIndex(address); i >= 0)
            return i;
        const auto k = anchorIndex(address);
        return k < 0 ? -1 : static_cast<std::int64_t>(sized_.size()) + k;
    }
    // Marks live the segment holding `address` (and, for a pointer, the rest of its object),
    // appending the segments that were not live before to `newly`.
    void markLive(std::uint64_t address, bool wholeObject, std::vector<std::int64_t>& newly) {
        if (const auto i = sizedIndex(address); i >= 0) {
            if (!std::exchange(sizedLive_[static_cast<std::size_t>(i)], 1))
                newly.push_back(i);
            return;
        }
        const auto k = anchorIndex(address);
        if (k < 0)
            return;
        const auto first = static_cast<std::size_t>(k);
        auto mark = [&](std::size_t n) {
            if (!std::exchange(anchorLive_[n], 1))
                newly.push_back(static_cast<std::int64_t>(sized_.size() + n));
        };
        mark(first);
        if (wholeObject)
            for (auto n = first + 1;
                 n < anchors_.size() && !strong_[n] && anchors_[n] - anchors_[first] < kObjectReach; ++n)
                mark(n);
    }
    std::vector<std::int64_t> liveSegments() const {
        std::vector<std::int64_t> out;
        for (std::size_t i = 0; i < sizedLive_.size(); ++i)
            if (sizedLive_[i])
                out.push_back(static_cast<std::int64_t>(i));
        for (std::size_t n = 0; n < anchorLive_.size(); ++n)
            if (anchorLive_[n])
                out.push_back(static_cast<std::int64_t>(sized_.size() + n));
        return out;
    }

private:
    std::ptrdiff_t sizedIndex(std::uint64_t address) const {
        auto it = std::upper_bound(sized_.begin(), sized_.end(), std::make_pair(address, UINT64_MAX));
        // Objects may nest (aliases); look back over the few that start at or before the address.
        for (int k = 0; k < 4 && it != sized_.begin(); ++k) {
            --it;
            if (address < it->second)
                return it - sized_.begin();
        }
        return -1;
    }
    std::ptrdiff_t anchorIndex(std::uint64_t address) const {
        const auto it = std::upper_bound(anchors_.begin(), anchors_.end(), address);
        return (it - anchors_.begin()) - 1;
    }
    std::vector<std::pair<std::uint64_t, std::uint64_t>> sized_;
    std::vector<char> sizedLive_;
    std::vector<std::uint64_t> anchors_;
    std::vector<char> strong_;
    std::vector<char> anchorLive_;
};

class Builder {
public:
    Builder(const AnalyzeOptions& opts)
        : opts_(opts)
        , resolver_(opts.rootfs)
        , cache_(opts.useCache, opts.cacheDir) {}

    CallGraph run() {
        std::vector<std::string> extra = opts_.dlopen;
        std::set<std::string> dlopenReasons;
        // The libraries a previous analysis of the same program discovered, if every input of the
        // discovery is unchanged (see fingerprint()): the last round straight away. It must then
        // discover nothing more, as it did the first time; otherwise the rounds run from the start.
        bool done = false;
        Rounds previous;
        bool rootsChanged = false;
        if (readRounds(previous)) {
            narrow_ = previous.narrow;
            named_ = previous.named;
            const bool linked = loadAndLink(previous.extra, &previous.fingerprint);
            if (linked && graphFromRecord_)
                return std::move(graph_);
            if (linked && newLibraries(previous.extra, rootsChanged).empty() && !rootsChanged) {
                extra = std::move(previous.extra);
                dlopenReasons = std::move(previous.reasons);
                done = true;
            } else {
                narrow_.clear();
                named_.clear();
            }
        }
        // Load, analyze and link; repeat while constant-string dlopen calls or NSS uses add modules.
        for (int round = 0; round < 4 && !done; ++round) {
            loadAndLink(extra, nullptr);
            const auto more = newLibraries(extra, rootsChanged);
            for (const auto& [lib, why] : more) {
                extra.push_back(lib);
                dlopenReasons.insert("dlopen: " + lib + " (" + why + ")");
                if (const char* prefix = narrowPrefix(why))
                    narrow_[lib] = prefix;
            }
            if (more.empty() && !rootsChanged) {
                writeRounds({extra, dlopenReasons, fingerprint(), narrow_, named_});
                done = true;
            }
        }
        const bool converged = done;
        for (const auto& r : dlopenReasons)
            graph_.notes.push_back(r);
        addSpecials();
        addSourceLocations();
        timer_.mark("source locations");
        pruneUnreachable();
        timer_.mark("prune");
        if (converged)
            writeGraph();
        return std::move(graph_);
    }

private:
    // One round: loads the program with the `extra` libraries, analyzes every module and links.
    // With `expected`, stops after loading (returning false) unless the fingerprint matches.
    bool loadAndLink(const std::vector<std::string>& extra, const std::string* expected) {
        graph_ = CallGraph{};
        edgeCall_.clear();
        inEdges_.clear();
        takenOutsideLibc_.clear();
        printers_.clear();
        modules_.clear();
        auto loaded = loadProgram(opts_.program, resolver_, extra, &images_);
        timer_.mark("load ELF images");
        graph_.program = opts_.program;
        missing_ = loaded.missing;
        for (const auto& m : loaded.missing)
            graph_.notes.push_back("missing library: " + m);
        interpreter_ = loaded.interpreter;
        // Modules from the first dlopen'ed library on were loaded only because of it.
        std::size_t firstDlopen = loaded.modules.size();
        for (std::size_t i = 1; i < loaded.modules.size() && firstDlopen == loaded.modules.size(); ++i)
            for (const auto& lib : extra)
                if (baseName(loaded.modules[i].path) == baseName(lib) || loaded.modules[i].path == lib)
                    firstDlopen = i;
        for (std::size_t i = 0; i < loaded.modules.size(); ++i) {
            ModuleState st;
            st.image = loaded.modules[i].image;
            st.path = loaded.modules[i].path;
            st.hostPath = loaded.modules[i].hostPath;
            st.needed = loaded.modules[i].needed;
            st.reason = i == 0                               ? "program"
                        : interpreter_ && *interpreter_ == i ? "interpreter"
                        : i >= firstDlopen                   ? "dlopen"
                                                             : "needed";
            modules_.push_back(std::move(st));
        }
        if (expected && (expected->empty() || fingerprint() != *expected))
            return false;
        if (expected && readGraph(*expected)) {
            graphFromRecord_ = true;
            timer_.mark("read linked graph");
            return true;
        }
        scopeDlsym(extra);
        analyzeModules();
        timer_.mark("analyze / read cache");
        link();
        timer_.mark("link");
        return true;
    }

    // The libraries the linked graph loads at run time that `extra` and the loaded modules lack,
    // with the reason, each once.
    // `rootsChanged` is set when a library first loaded only for NSS or iconv turns out to be
    // dlopen'ed by name too: the round must be linked again with all its exports.
    std::vector<std::pair<std::string, std::string>> newLibraries(std::vector<std::string> extra,
                                                                  bool& rootsChanged) {
        std::vector<std::pair<std::string, std::string>> out;
        rootsChanged = false;
        for (const auto& [lib, why] : discoverDlopen()) {
            if (!narrowPrefix(why) && named_.insert(lib).second)
                for (const auto& m : modules_)
                    if (!m.dlsymAny && matches(m, lib))
                        rootsChanged = true;
            // A library already loaded (under this name, its soname or its file name) adds nothing.
            const bool loadedAlready = std::any_of(modules_.begin(), modules_.end(),
                                                   [&](const ModuleState& m) { return matches(m, lib); });
            if (!loadedAlready && std::find(extra.begin(), extra.end(), lib) == extra.end()) {
                extra.push_back(lib);
                out.push_back({lib, why});
            }
        }
        timer_.mark("discover dlopen");
        return out;
    }

    // Whether a module is the library NAME (a dlopen argument, a soname or a path).
    static bool matches(const ModuleState& m, const std::string& name) {
        return m.path == name || baseName(m.path) == baseName(name) || m.image->soname() == baseName(name);
    }

    // glibc looks up only these names in the modules it loads itself: `_nss_SERVICE_FUNCTION` in an
    // NSS service module (nss_module.c), `gconv`, `gconv_init` and `gconv_end` in a gconv module
    // (gconv_dl.c); nullptr for a library dlopen'ed by name, which may be searched for anything.
    static const char* narrowPrefix(const std::string& why) {
        if (why.starts_with("NSS service"))
            return kNssPrefix;
        if (why.starts_with("gconv module"))
            return "gconv";
        return nullptr;
    }

    // Which exports of each dlopen'ed module dlsym may return. dlsym on a handle searches the
    // library and its dependencies, so a module gets every export when it is (or a library that
    // depends on it is) dlopen'ed by name: given with --dlopen, found as a constant dlopen
    // argument, or named so in any round. A module loaded only for NSS services or gconv modules
    // (they or their dependencies) gets only the names glibc looks up there.
    void scopeDlsym(const std::vector<std::string>& extra) {
        std::vector<std::vector<const char*>> owners(modules_.size()); // nullptr: by name
        for (const auto& lib : extra) {
            const auto it = narrow_.find(lib);
            const char* prefix = it == narrow_.end() || named_.count(lib) ? nullptr : it->second.c_str();
            std::size_t root = 1;
            while (root < modules_.size() && !matches(modules_[root], lib))
                ++root;
            std::vector<char> seen(modules_.size(), 0);
            for (std::vector<std::size_t> stack{root}; !stack.empty();) {
                const auto mi = stack.back();
                stack.pop_back();
                if (mi >= modules_.size() || std::exchange(seen[mi], 1))
                    continue;
                owners[mi].push_back(prefix);
                stack.insert(stack.end(), modules_[mi].needed.begin(), modules_[mi].needed.end());
            }
        }
        for (std::size_t mi = 0; mi < modules_.size(); ++mi) {
            auto& m = modules_[mi];
            const bool byName =
                owners[mi].empty() ||
                std::find(owners[mi].begin(), owners[mi].end(), nullptr) != owners[mi].end() ||
                std::any_of(named_.begin(), named_.end(),
                            [&](const std::string& name) { return matches(m, name); });
            m.dlsymAny = byName;
            if (!byName)
                for (const char* prefix : owners[mi])
                    if (std::find(m.dlsymPrefixes.begin(), m.dlsymPrefixes.end(), prefix) ==
                        m.dlsymPrefixes.end())
                        m.dlsymPrefixes.push_back(prefix);
        }
    }

    // What the dlopen rounds of an analysis found: the libraries of its last round and the notes
    // saying why, and the libraries loaded only for NSS or iconv, valid while the fingerprint of
    // that round's inputs is unchanged.
    struct Rounds {
        std::vector<std::string> extra;
        std::set<std::string> reasons;
        std::string fingerprint;
        std::map<std::string, std::string> narrow; // library -> the prefix of what glibc looks up
        std::set<std::string> named;               // libraries dlopen'ed by name in some round
    };

    // Everything the rounds' discoveries depend on: the options, each module of the last round
    // (the earlier rounds loaded a prefix of it) by path and build-id (which keys its cached facts)
    // and file size, the libraries that were missing, /etc/nsswitch.conf's services and the gconv
    // modules. Empty (no reuse) when a module has no build-id.
    std::string fingerprint() const {
        std::string out = "version " + std::to_string(kModuleAnalysisVersion) + "\n";
        for (const auto& m : modules_) {
            if (m.image->buildId().empty())
                return {};
            std::error_code ec;
            const auto size = std::filesystem::file_size(m.hostPath, ec);
            out += m.path + '\0' + m.hostPath + '\0' + m.image->buildId() + '\0' +
                   std::to_string(ec ? 0 : size) + '\n';
        }
        for (const auto& m : missing_)
            out += "missing " + m + '\n';
        for (const auto& lib : nssModules())
            out += "nss " + lib + '\n';
        for (const auto& lib : gconvModules())
            out += "gconv " + lib + '\n';
        return out;
    }

    // The record's name and the options it is for.
    std::string roundsKey() const {
        std::string key = "program " + opts_.program + "\nrootfs " + opts_.rootfs + "\n";
        for (const auto& lib : opts_.dlopen)
            key += "dlopen " + lib + "\n";
        return key;
    }

    bool readRounds(Rounds& out) const {
        const auto key = roundsKey();
        const auto bytes = cache_.readRecord(hex(std::hash<std::string>{}(key)) + ".rounds");
        if (!bytes.starts_with(kRoundsMagic))
            return false;
        ByteReader r(std::string_view(bytes).substr(kRoundsMagic.size()));
        if (r.varint() != static_cast<std::uint64_t>(kModuleAnalysisVersion) || r.string() != key)
            return false;
        out.fingerprint = r.string();
        for (auto n = r.varint(); n > 0 && !r.failed(); --n)
            out.extra.push_back(r.string());
        for (auto n = r.varint(); n > 0 && !r.failed(); --n)
            out.reasons.insert(r.string());
        for (auto n = r.varint(); n > 0 && !r.failed(); --n) {
            auto lib = r.string();
            out.narrow[std::move(lib)] = r.string();
        }
        for (auto n = r.varint(); n > 0 && !r.failed(); --n)
            out.named.insert(r.string());
        return !r.failed() && r.atEnd() && !out.fingerprint.empty();
    }

    void writeRounds(const Rounds& rounds) const {
        if (rounds.fingerprint.empty())
            return;
        const auto key = roundsKey();
        std::string out(kRoundsMagic);
        putVarint(out, static_cast<std::uint64_t>(kModuleAnalysisVersion));
        putString(out, key);
        putString(out, rounds.fingerprint);
        putVarint(out, rounds.extra.size());
        for (const auto& lib : rounds.extra)
            putString(out, lib);
        putVarint(out, rounds.reasons.size());
        for (const auto& why : rounds.reasons)
            putString(out, why);
        putVarint(out, rounds.narrow.size());
        for (const auto& [lib, prefix] : rounds.narrow) {
            putString(out, lib);
            putString(out, prefix);
        }
        putVarint(out, rounds.named.size());
        for (const auto& lib : rounds.named)
            putString(out, lib);
        cache_.writeRecord(hex(std::hash<std::string>{}(key)) + ".rounds", out);
    }

    static constexpr std::string_view kRoundsMagic = "SWBROUND";

    // The linked graph cache. The result of an analysis depends only on the options (the record's
    // key), the modules of its last round and the rest of fingerprint(), the analyzer's own code
    // and, for file:line on witness paths, which modules have debug information. A warm analysis
    // whose last round's fingerprint is unchanged reads the finished graph instead of linking.
    static constexpr std::string_view kGraphMagic = "SWBGRAPH";
    static constexpr int kGraphVersion = 1;

    // The analyzer itself: a rebuilt swb links differently, perhaps, so it ignores older graphs.
    static std::string analyzerIdentity() {
        struct stat st {};
        if (::stat("/proc/self/exe", &st) != 0)
            return {};
        return std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
               std::to_string(st.st_mtim.tv_nsec) + ":" + std::to_string(st.st_ino);
    }

    std::string graphRecordName() const { return hex(std::hash<std::string>{}(roundsKey())) + ".graph"; }

    bool readGraph(const std::string& fingerprint) {
        const auto identity = analyzerIdentity();
        if (identity.empty())
            return false;
        const auto bytes = cache_.readRecord(graphRecordName());
        if (!bytes.starts_with(kGraphMagic))
            return false;
        ByteReader r(std::string_view(bytes).substr(kGraphMagic.size()));
        if (r.varint() != static_cast<std::uint64_t>(kGraphVersion) ||
            r.varint() != static_cast<std::uint64_t>(kModuleAnalysisVersion) || r.string() != roundsKey() ||
            r.string() != fingerprint || r.string() != identity)
            return false;
        // The modules of witness functions: their file:line came from the locations cache or from
        // debug information; both must be as they were.
        for (auto n = r.varint(); n > 0 && !r.failed(); --n) {
            const auto mi = r.varint();
            const bool debugInfo = r.byte() != 0;
            const auto version = r.string();
            if (r.failed() || mi >= modules_.size() || modules_[mi].image->hasDebugInfo() != debugInfo ||
                cache_.locationsVersion(*modules_[mi].image) != version)
                return false;
        }
        CallGraph graph;
        if (r.failed() || !decodeCallGraph(r, graph) || !r.atEnd())
            return false;
        graph_ = std::move(graph);
        return true;
    }

    void writeGraph() const {
        const auto fp = fingerprint();
        const auto identity = analyzerIdentity();
        if (fp.empty() || identity.empty())
            return;
        std::string out(kGraphMagic);
        putVarint(out, static_cast<std::uint64_t>(kGraphVersion));
        putVarint(out, static_cast<std::uint64_t>(kModuleAnalysisVersion));
        putString(out, roundsKey());
        putString(out, fp);
        putString(out, identity);
        putVarint(out, locationSources_.size());
        for (const auto mi : locationSources_) {
            const auto& image = *modules_[mi].image;
            putVarint(out, mi);
            out.push_back(image.hasDebugInfo() ? 1 : 0);
            putString(out, cache_.locationsVersion(image));
        }
        encodeCallGraph(graph_, out);
        cache_.writeRecord(graphRecordName(), out);
    }

    void progress(const std::string& stage, std::size_t done, std::size_t total) {
        if (opts_.progress)
            opts_.progress(stage, done, total);
    }

    bool cancelRequested() const { return opts_.cancelled && opts_.cancelled(); }

    // Modules are analyzed (or read from the cache) on all threads at once; progress is reported
    // from this thread only.
    void analyzeModules() {
        // Largest code first: the big libraries (libcrypto, libc) start at once and the small ones
        // fill the other threads, rather than one big library left to run alone at the end.
        std::vector<std::size_t> order(modules_.size());
        std::vector<std::size_t> codeBytes(modules_.size(), 0);
        for (std::size_t i = 0; i < modules_.size(); ++i) {
            order[i] = i;
            for (const auto& r : modules_[i].image->codeRegions())
                codeBytes[i] += r.bytes.size();
        }
        std::stable_sort(order.begin(), order.end(),
                         [&](std::size_t a, std::size_t b) { return codeBytes[a] > codeBytes[b]; });
        // A module's own analysis is split across threads only when it outweighs everything after
        // it, which the other threads would otherwise run out of (ls: libc; not nginx's libcrypto):
        // splitting costs thread starts, hand-overs and memory (each thread's malloc arena).
        std::vector<unsigned> threadsFor(modules_.size(), 1);
        std::size_t after = 0;
        for (std::size_t k = order.size(); k-- > 0;) {
            const std::size_t i = order[k];
            if (codeBytes[i] >= (256u << 10) && codeBytes[i] > after)
                threadsFor[i] = std::max(1u, opts_.threads);
            after += codeBytes[i];
        }
        std::atomic<std::size_t> next{0}, done{0};
        std::exception_ptr failure;
        std::mutex failureMutex;
        std::atomic<bool> cancelled{false};
        auto worker = [&](bool reports) {
            for (std::size_t k; (k = next++) < modules_.size();) {
                if (cancelled || cancelRequested()) {
                    cancelled = true;
                    break;
                }
                const std::size_t i = order[k];
                auto& m = modules_[i];
                if (reports)
                    progress("analyzing " + baseName(m.hostPath), done.load(), modules_.size());
                try {
                    m.facts = cache_.get(*m.image, [&] {
                        const auto t0 = std::chrono::steady_clock::now();
                        auto facts = analyzeImage(*m.image, threadsFor[i]);
                        if (timer_.enabled())
                            std::fprintf(stderr, "swb: timing:   analyzed %s (%zu KB code) in %.1f ms\n",
                                         baseName(m.hostPath).c_str(), codeBytes[i] / 1024,
                                         std::chrono::duration<double, std::milli>(
                                             std::chrono::steady_clock::now() - t0)
                                             .count());
                        return facts;
                    });
                } catch (...) {
                    std::lock_guard lock(failureMutex);
                    if (!failure)
                        failure = std::current_exception();
                }
                ++done;
            }
        };
        const unsigned helpers =
            std::min<unsigned>(std::max(1u, opts_.threads), static_cast<unsigned>(modules_.size())) - 1;
        std::vector<std::thread> threads;
        for (unsigned t = 0; t < helpers; ++t)
            threads.emplace_back(worker, false);
        worker(true);
        for (auto& t : threads)
            t.join();
        if (cancelled)
            throw Cancelled();
        progress("analyzing", done.load(), modules_.size());
        if (failure)
            std::rethrow_exception(failure);
    }

    ModuleFacts analyzeImage(const ElfImage& image, unsigned threads) {
        CodeInput in;
        for (const auto& r : image.codeRegions())
            in.code.push_back({r.address, r.bytes});
        in.functionStarts = image.functionStarts();
        const ElfImage* img = &image;
        in.readPointer = [img](std::uint64_t a) -> std::optional<std::uint64_t> {
            auto b = img->bytesAt(a, 8);
            if (b.size() != 8)
                return std::nullopt;
            std::uint64_t v;
            std::memcpy(&v, b.data(), 8);
            return v;
        };
        in.readInt32 = [img](std::uint64_t a) -> std::optional<std::int32_t> {
            auto b = img->bytesAt(a, 4);
            if (b.size() != 4)
                return std::nullopt;
            std::int32_t v;
            std::memcpy(&v, b.data(), 4);
            return v;
        };
        // Reasons are written only for the few values a note shows (describeValue).
        in.reasonText = false;
        // Position-independent images hold small constants that are not code addresses.
        in.positionDependent = image.kind() == ElfImage::Kind::Executable && !image.isPie();
        const auto& names = noReturnNames();
        for (const auto* table : {&image.symbols(), &image.dynamicSymbols()})
            for (const auto& s : *table)
                if (s.defined && s.type == STT_FUNC && names.count(s.name))
                    in.noReturnFunctions.push_back(s.value);
        // Imported no-return functions: their GOT slots.
        for (const auto& rel : image.relocations()) {
            if ((rel.type != R_X86_64_JUMP_SLOT && rel.type != R_X86_64_GLOB_DAT) || rel.symbol <= 0)
                continue;
            const auto& sym = image.dynamicSymbols().at(static_cast<std::size_t>(rel.symbol));
            if (!sym.defined && names.count(sym.name))
                in.noReturnSlots.push_back(rel.offset);
        }
        std::sort(in.noReturnSlots.begin(), in.noReturnSlots.end());
        std::sort(in.noReturnFunctions.begin(), in.noReturnFunctions.end());
        in.noReturnFunctions.erase(std::unique(in.noReturnFunctions.begin(), in.noReturnFunctions.end()),
                                   in.noReturnFunctions.end());
        return ModuleFacts::from(analyzeCode(in, threads));
    }

    // What a value of module `mi`'s facts is, for a note: an Unknown value's reason.
    std::string describeValue(std::uint32_t mi, const ModuleFacts::Value& v) {
        const auto& facts = *modules_[mi].facts;
        if (v.kind == RegValue::Kind::Unknown) {
            if (const auto* c = facts.causeOf(v))
                return describeUnknown(c->code, c->reg, c->at,
                                       [&](std::uint64_t address) { return instructionText(mi, address); });
            const auto reason = facts.reasonOf(v);
            return reason.empty() ? std::string("unknown") : std::string(reason);
        }
        if (v.kind == RegValue::Kind::Param)
            return "parameter " + std::to_string(v.param);
        return "constants";
    }

    // The instruction at an address of module `mi`, as the data-flow would have quoted it.
    std::string instructionText(std::uint32_t mi, std::uint64_t address) {
        auto& printer = printers_[mi];
        if (!printer) {
            std::vector<CodeInput::Region> regions;
            for (const auto& r : modules_[mi].image->codeRegions())
                regions.push_back({r.address, r.bytes});
            std::sort(
                regions.begin(), regions.end(),
                [](const CodeInput::Region& a, const CodeInput::Region& b) { return a.address < b.address; });
            printer = std::make_unique<x86::InsnPrinter>(std::move(regions));
        }
        return printer->text(address);
    }

    // The symbol a function is named after: the best one at its address; empty for none.
    std::string_view symbolName(const CgFunction& f) const {
        const auto* sym = modules_[f.module].image->symbolFor(f.address);
        return sym && sym->value == f.address ? std::string_view(sym->name) : std::string_view();
    }
    // Names are given on first use (most functions of most libraries are never named: they are
    // neither reachable nor described anywhere).
    const std::string& nameOf(FunctionId id) {
        auto& f = graph_.functions[id];
        if (f.name.empty() && !f.hub) {
            const auto sym = symbolName(f);
            f.name = sym.empty() ? "sub_" + hex(f.address) : std::string(sym);
        }
        return f.name;
    }
    std::string describe(FunctionId f, std::uint64_t address) {
        nameOf(f);
        return graph_.describe(f, address);
    }
    std::string describe(FunctionId f) {
        nameOf(f);
        return graph_.describe(f);
    }

    // The function of a module's facts starting at an address; kNoFunction for none.
    FunctionId functionStartingAt(std::uint32_t module, std::uint64_t address) const {
        const auto& m = modules_[module];
        const auto& fs = m.facts->functions;
        const auto end = fs.begin() + static_cast<std::ptrdiff_t>(m.facts->size());
        const auto it =
            std::lower_bound(fs.begin(), end, address,
                             [](const ModuleFacts::Function& f, std::uint64_t a) { return f.start < a; });
        return it != end && it->start == address ? m.firstId + static_cast<FunctionId>(it - fs.begin())
                                                 : kNoFunction;
    }

    // The function starting at (or, failing that, containing) an address.
    FunctionId functionAt(std::uint32_t module, std::uint64_t address) const {
        const auto& m = modules_[module];
        const auto& fs = m.facts->functions;
        const auto end = fs.begin() + static_cast<std::ptrdiff_t>(m.facts->size());
        auto up =
            std::upper_bound(fs.begin(), end, address,
                             [](std::uint64_t a, const ModuleFacts::Function& f) { return a < f.start; });
        if (up == fs.begin())
            return kNoFunction;
        --up;
        const FunctionId id = m.firstId + static_cast<FunctionId>(up - fs.begin());
        const auto& f = graph_.functions[id];
        return address < f.address + std::max<std::uint64_t>(f.size, 1) ? id : kNoFunction;
    }

    struct Binding {
        std::uint32_t module = 0;
        const ElfImage::Symbol* symbol = nullptr;
    };

    void indexSymbols() {
        exports_.clear();
        for (std::uint32_t mi = 0; mi < modules_.size(); ++mi) {
            for (const auto& s : modules_[mi].image->dynamicSymbols()) {
                if (!s.defined || s.name.empty() ||
                    (s.binding != STB_GLOBAL && s.binding != STB_WEAK && s.binding != STB_GNU_UNIQUE))
                    continue;
                if (s.visibility == STV_HIDDEN || s.visibility == STV_INTERNAL)
                    continue;
                exports_[s.name].push_back({mi, &s});
            }
        }
    }

    // ld.so's lookup: the first module in load order that defines the name with a matching version.
    std::optional<Binding> bind(const ElfImage::Symbol& wanted) const {
        auto it = exports_.find(wanted.name);
        if (it == exports_.end())
            return std::nullopt;
        for (const auto& b : it->second) {
            if (wanted.version.empty() ? b.symbol->defaultVersion : b.symbol->version == wanted.version)
                return b;
        }
        for (const auto& b : it->second) // unversioned reference or version not found: default definition
            if (b.symbol->defaultVersion)
                return b;
        return std::nullopt;
    }

    // Function targets of a symbol definition: the function, or an IFUNC's candidates.
    void symbolTargets(const Binding& b, std::vector<std::pair<FunctionId, EdgeKind>>& out) {
        const FunctionId f = functionAt(b.module, b.symbol->value);
        if (f == kNoFunction)
            return;
        if (b.symbol->type == STT_GNU_IFUNC) {
            out.push_back({f, EdgeKind::Ifunc});
            for (FunctionId c : ifuncCandidates(f))
                out.push_back({c, EdgeKind::Ifunc});
        } else {
            out.push_back({f, EdgeKind::Import});
        }
    }

    // The implementations an IFUNC resolver can return: the functions whose address it takes.
    std::vector<FunctionId> ifuncCandidates(FunctionId resolver) {
        std::vector<FunctionId> out;
        const auto& fn = graph_.functions[resolver];
        const auto fi = factsIndex(resolver);
        if (fi == kNoFacts)
            return out;
        for (auto ref : modules_[fn.module].facts->codeReferencesOf(fi)) {
            const FunctionId c = functionAt(fn.module, ref);
            if (c != kNoFunction && c != resolver && graph_.functions[c].address == ref)
                out.push_back(c);
        }
        return out;
    }

    static constexpr std::size_t kNoFacts = static_cast<std::size_t>(-1);
    // The index of a function in its module's facts; kNoFacts for hubs.
    std::size_t factsIndex(FunctionId f) const {
        const auto& fn = graph_.functions[f];
        if (fn.hub)
            return kNoFacts;
        const auto& m = modules_[fn.module];
        return f - m.firstId < m.facts->size() ? f - m.firstId : kNoFacts;
    }

    // `call` is the call site the edge comes from, when it is one (for its argument values).
    void addEdge(FunctionId from, FunctionId to, std::uint64_t site, EdgeKind kind,
                 const ModuleFacts::Call* call = nullptr) {
        graph_.edges.push_back({from, to, site, kind});
        edgeCall_.push_back(call);
    }

    // Where a pointer slot (GOT entry) leads.
    void slotTargets(std::uint32_t module, std::uint64_t slot,
                     std::vector<std::pair<FunctionId, EdgeKind>>& out, std::string& problem) {
        const auto& image = *modules_[module].image;
        if (const auto* rel = image.relocationAt(slot)) {
            switch (rel->type) {
            case R_X86_64_JUMP_SLOT:
            case R_X86_64_GLOB_DAT:
            case R_X86_64_64: {
                if (rel->symbol <= 0) {
                    problem = "relocation without symbol at slot 0x" + hex(slot);
                    return;
                }
                const auto& sym = image.dynamicSymbols().at(static_cast<std::size_t>(rel->symbol));
                if (auto b = bind(sym))
                    symbolTargets(*b, out);
                else if (sym.binding != STB_WEAK)
                    problem = "unbound symbol " + sym.name + (sym.version.empty() ? "" : "@" + sym.version);
                return;
            }
            case R_X86_64_RELATIVE: {
                const FunctionId f = functionAt(module, static_cast<std::uint64_t>(rel->addend));
                if (f != kNoFunction)
                    out.push_back({f, EdgeKind::Direct});
                return;
            }
            case R_X86_64_IRELATIVE: {
                const FunctionId f = functionAt(module, static_cast<std::uint64_t>(rel->addend));
                if (f != kNoFunction) {
                    out.push_back({f, EdgeKind::Ifunc});
                    for (FunctionId c : ifuncCandidates(f))
                        out.push_back({c, EdgeKind::Ifunc});
                }
                return;
            }
            default:
                problem = "slot 0x" + hex(slot) + " has relocation type " + std::to_string(rel->type);
                return;
            }
        }
        // No relocation: a pointer fixed at link time (static, non-PIE).
        auto bytes = image.bytesAt(slot, 8);
        if (bytes.size() == 8) {
            std::uint64_t v;
            std::memcpy(&v, bytes.data(), 8);
            const FunctionId f = functionAt(module, v);
            if (f != kNoFunction)
                out.push_back({f, EdgeKind::Direct});
        }
    }

    void link() {
        // Functions of every module.
        std::size_t functionCount = 1, callCount = 0;
        for (const auto& m : modules_) {
            functionCount += m.facts->size();
            callCount += m.facts->calls.size();
        }
        graph_.functions.reserve(functionCount);
        graph_.edges.reserve(callCount + callCount / 4);
        edgeCall_.reserve(callCount + callCount / 4);
        for (std::uint32_t mi = 0; mi < modules_.size(); ++mi) {
            auto& m = modules_[mi];
            CgModule cm;
            cm.path = m.path;
            cm.buildId = m.image->buildId();
            cm.soname = m.image->soname();
            cm.loadReason = m.reason;
            graph_.modules.push_back(cm);
            m.firstId = static_cast<FunctionId>(graph_.functions.size());
            for (std::size_t fi = 0; fi < m.facts->size(); ++fi) {
                const auto& f = m.facts->function(fi);
                CgFunction fn;
                fn.module = mi;
                fn.address = f.start;
                fn.size = f.end > f.start ? f.end - f.start : 0;
                graph_.functions.push_back(std::move(fn));
            }
        }
        indexSymbols();
        timer_.mark(" link: functions");

        const FunctionId hub = static_cast<FunctionId>(graph_.functions.size());
        {
            CgFunction h;
            h.name = "<indirect call>";
            h.hub = true;
            graph_.functions.push_back(h);
        }

        // Calls.
        std::vector<std::pair<FunctionId, EdgeKind>> targets;
        for (std::uint32_t mi = 0; mi < modules_.size(); ++mi) {
            auto& m = modules_[mi];
            const auto& mf = *m.facts;
            for (std::size_t fi = 0; fi < mf.size(); ++fi) {
                const auto& f = mf.function(fi);
                const auto calls = mf.callsOf(fi);
                const FunctionId from = m.firstId + static_cast<FunctionId>(fi);
                for (const auto& c : calls) {
                    targets.clear();
                    std::string problem;
                    switch (c.kind) {
                    case CallSite::Kind::Direct:
                    case CallSite::Kind::TailJump: {
                        const FunctionId to = functionAt(mi, c.target);
                        if (to != kNoFunction)
                            targets.push_back({to, c.kind == CallSite::Kind::Direct ? EdgeKind::Direct
                                                                                    : EdgeKind::TailCall});
                        break;
                    }
                    case CallSite::Kind::ViaSlot:
                        slotTargets(mi, c.target, targets, problem);
                        break;
                    case CallSite::Kind::Indirect:
                        targets.push_back({hub, EdgeKind::Indirect});
                        break;
                    }
                    if (!problem.empty())
                        graph_.notes.push_back(describe(from, c.address) + ": " + problem);
                    // Function pointers passed as arguments: the callee may call them back.
                    for (const auto& arg : c.args) {
                        for (auto v : mf.constantsOf(arg)) {
                            const auto to = functionStartingAt(mi, static_cast<std::uint64_t>(v));
                            if (to != kNoFunction && to != from)
                                addEdge(from, to, c.address, EdgeKind::Callback);
                        }
                    }
                    // A PLT stub: a tiny function that only jumps through one GOT slot.
                    if (c.kind == CallSite::Kind::ViaSlot && calls.size() == 1 && f.end - f.start <= 16 &&
                        mf.syscallsOf(fi).empty()) {
                        if (const auto* rel = m.image->relocationAt(c.target); rel && rel->symbol > 0)
                            graph_.functions[from].name =
                                m.image->dynamicSymbols().at(static_cast<std::size_t>(rel->symbol)).name +
                                "@plt";
                    }
                    for (const auto& [to, kind] : targets)
                        addEdge(from, to, c.address, kind, &c);
                }
            }
        }

        timer_.mark(" link: calls");
        // Address-taken functions: targets of indirect calls. An address stored in data (a
        // relocation, a pointer table) counts from the start; an address the code materializes
        // counts once the function doing it is reachable (see the fixpoint below).
        std::unordered_set<FunctionId> takenSet;
        struct CodeTake {
            FunctionId by, target;
            std::uint64_t site;
        };
        std::vector<CodeTake> codeTakes;
        // A function pointer stored at `slot` in a module's data; it becomes a target once the data
        // object holding the slot is live (see DataLiveness).
        struct DataTake {
            std::uint32_t module;
            std::uint64_t slot;
            FunctionId target;
        };
        std::vector<DataTake> dataTakes;
        // A pointer at `slot` to other data at `target` (a table of tables, a vtable pointer).
        struct DataPointer {
            std::uint32_t module;
            std::uint64_t slot;
            std::uint32_t targetModule;
            std::uint64_t target;
        };
        std::vector<DataPointer> dataPointers;
        // NSS service functions (`_nss_SERVICE_NAME`) with their names, linked to the lookups.
        std::vector<std::pair<FunctionId, std::string_view>> nssServices;
        auto take = [&](FunctionId f, FunctionId where, std::uint64_t site) {
            if (f == kNoFunction || graph_.functions[f].hub)
                return;
            if (where != kNoFunction) {
                codeTakes.push_back({where, f, site});
                return;
            }
            if (takenSet.insert(f).second)
                addEdge(hub, f, site, EdgeKind::Indirect);
        };
        // libc's built-in dns service: its own pointers to it (the table of built-in services) are
        // used by the hosts and networks lookups alone, which get dlsym edges to it (linkLookups).
        std::vector<FunctionId> builtinDns;
        for (const auto& [f, name] :
             libcFunctions([](std::string_view name) { return name.starts_with(kBuiltinDnsPrefix); })) {
            builtinDns.push_back(f);
            nssServices.push_back({f, name});
        }
        std::sort(builtinDns.begin(), builtinDns.end());
        auto ownDnsPointer = [&](std::uint32_t mi, FunctionId to) {
            return std::binary_search(builtinDns.begin(), builtinDns.end(), to) &&
                   modules_[mi].image->soname() == "libc.so.6";
        };
        for (std::uint32_t mi = 0; mi < modules_.size(); ++mi) {
            auto& m = modules_[mi];
            for (std::size_t fi = 0; fi < m.facts->size(); ++fi)
                for (auto ref : m.facts->codeReferencesOf(fi)) {
                    if (const auto to = functionStartingAt(mi, ref);
                        to != kNoFunction && !ownDnsPointer(mi, to))
                        take(to, m.firstId + static_cast<FunctionId>(fi), ref);
                }
            for (const auto& rel : m.image->relocations()) {
                if (rel.type == R_X86_64_RELATIVE) {
                    const auto target = static_cast<std::uint64_t>(rel.addend);
                    if (const auto to = functionStartingAt(mi, target); to != kNoFunction) {
                        if (!ownDnsPointer(mi, to))
                            dataTakes.push_back({mi, rel.offset, to});
                    } else
                        dataPointers.push_back({mi, rel.offset, mi, target});
                } else if ((rel.type == R_X86_64_64 || rel.type == R_X86_64_GLOB_DAT) && rel.symbol > 0) {
                    const auto& sym = m.image->dynamicSymbols().at(static_cast<std::size_t>(rel.symbol));
                    const auto b = bind(sym);
                    if (!b)
                        continue;
                    if (b->symbol->type == STT_FUNC || b->symbol->type == STT_GNU_IFUNC) {
                        targets.clear();
                        symbolTargets(*b, targets);
                        for (const auto& [to, kind] : targets)
                            dataTakes.push_back({mi, rel.offset, to});
                    } else {
                        // A pointer to (possibly another module's) data object.
                        dataPointers.push_back({mi, rel.offset, b->module,
                                                b->symbol->value + static_cast<std::uint64_t>(rel.addend)});
                    }
                }
            }
            if (m.image->kind() == ElfImage::Kind::Executable && !m.image->isPie())
                scanDataForPointers(mi, [&](FunctionId f, std::uint64_t slot) {
                    dataTakes.push_back({mi, slot, f});
                });
            // A dlopen'ed module is used through dlsym: every function it exports is a pointer target.
            // The `_nss_*` functions of an NSS service are called by glibc's lookups: they get edges
            // from those (linkLookups), and are targets of every indirect call only when the module is
            // also dlopen'ed by name (libnss_systemd pins itself so) and may be searched for anything.
            const bool nssService = m.reason == "dlopen" && isNssService(m);
            if (m.reason == "dlopen")
                for (const auto& sym : m.image->dynamicSymbols())
                    if (sym.defined && (sym.type == STT_FUNC || sym.type == STT_GNU_IFUNC) &&
                        sym.binding != STB_LOCAL && sym.visibility == STV_DEFAULT &&
                        (m.dlsymAny ||
                         std::any_of(m.dlsymPrefixes.begin(), m.dlsymPrefixes.end(),
                                     [&](const std::string& p) { return sym.name.starts_with(p); }))) {
                        const FunctionId f = functionAt(mi, sym.value);
                        const bool service = nssService && sym.name.starts_with(kNssPrefix);
                        if (service && f != kNoFunction)
                            nssServices.push_back({f, sym.name});
                        if (!service || m.dlsymAny)
                            take(f, kNoFunction, sym.value);
                    }
        }
        linkLookups(nssServices);

        timer_.mark(" link: address-taken");
        // Entry points.
        auto entry = [&](std::uint32_t mi, std::uint64_t address, EntryKind kind) {
            FunctionId f = functionAt(mi, address);
            if (f == kNoFunction) {
                graph_.notes.push_back(baseName(modules_[mi].hostPath) + ": entry 0x" + hex(address) +
                                       " is not in any analyzed function");
                return;
            }
            graph_.entries.push_back({f, kind});
        };
        for (std::uint32_t mi = 0; mi < modules_.size(); ++mi) {
            const auto& img = *modules_[mi].image;
            if (mi == 0 && img.entry())
                entry(mi, img.entry(), EntryKind::ProgramEntry);
            else if (img.entry() && isInterpreter(mi))
                entry(mi, img.entry(), EntryKind::Interpreter);
            for (auto a : img.initFunctions())
                entry(mi, a, modules_[mi].reason.starts_with("dlopen") ? EntryKind::Dlopen : EntryKind::Init);
            for (auto a : img.finiFunctions())
                entry(mi, a, EntryKind::Fini);
        }

        // Indirect-call targets grow with reachability: code references count once their function
        // is reachable, data pointers once their data object is live. A data object is live when
        // reachable code refers to it, another live object points to it, or it is exported. One
        // worklist pass: a function, a data segment and a hub target are each handled once.
        for (const auto& t : codeTakes)
            if (modules_[graph_.functions[t.by].module].image->soname() != "libc.so.6")
                takenOutsideLibc_.insert(t.target);
        for (const auto& t : dataTakes)
            if (modules_[t.module].image->soname() != "libc.so.6")
                takenOutsideLibc_.insert(t.target);

        timer_.mark(" link: entries");
        std::vector<DataLiveness> data(modules_.size());
        for (std::uint32_t mi = 0; mi < modules_.size(); ++mi)
            data[mi].build(*modules_[mi].image, *modules_[mi].facts, dataPointers, mi);
        // What each data segment holds.
        std::vector<std::vector<std::vector<std::uint32_t>>> takesIn(modules_.size()),
            pointersIn(modules_.size());
        std::vector<std::uint32_t> alwaysTaken, alwaysPointing;
        for (std::uint32_t mi = 0; mi < modules_.size(); ++mi) {
            takesIn[mi].resize(data[mi].segmentCount());
            pointersIn[mi].resize(data[mi].segmentCount());
        }
        for (std::uint32_t i = 0; i < dataTakes.size(); ++i) {
            const auto seg = data[dataTakes[i].module].segment(dataTakes[i].slot);
            (seg < 0 ? alwaysTaken : takesIn[dataTakes[i].module][static_cast<std::size_t>(seg)])
                .push_back(i);
        }
        for (std::uint32_t i = 0; i < dataPointers.size(); ++i) {
            const auto seg = data[dataPointers[i].module].segment(dataPointers[i].slot);
            (seg < 0 ? alwaysPointing : pointersIn[dataPointers[i].module][static_cast<std::size_t>(seg)])
                .push_back(i);
        }
        std::vector<std::vector<std::uint32_t>> codeTakesBy(graph_.functions.size());
        for (std::uint32_t i = 0; i < codeTakes.size(); ++i)
            codeTakesBy[codeTakes[i].by].push_back(i);

        timer_.mark(" link: data liveness");
        auto& out = outEdges_;
        out.assign(graph_.functions.size(), {});
        for (std::uint32_t i = 0; i < graph_.edges.size(); ++i)
            out[graph_.edges[i].from].push_back(i);
        auto& live = live_;
        live.assign(graph_.functions.size(), 0);
        std::vector<FunctionId> functionQueue;
        std::vector<std::pair<std::uint32_t, std::uint32_t>> segmentQueue; // module, segment
        auto visit = [&](FunctionId f) {
            if (!live[f]) {
                live[f] = 1;
                functionQueue.push_back(f);
            }
        };
        auto addTarget = [&](FunctionId target, std::uint64_t site) {
            if (!takenSet.insert(target).second)
                return;
            out[hub].push_back(static_cast<std::uint32_t>(graph_.edges.size()));
            addEdge(hub, target, site, EdgeKind::Indirect);
            if (live[hub])
                visit(target);
        };
        auto reachSegments = [&](std::uint32_t mi, const std::vector<std::int64_t>& segments) {
            for (auto seg : segments)
                segmentQueue.push_back({mi, static_cast<std::uint32_t>(seg)});
        };
        std::vector<std::int64_t> newly;
        for (std::uint32_t mi = 0; mi < modules_.size(); ++mi)
            reachSegments(mi, data[mi].liveSegments());
        for (auto i : alwaysTaken)
            addTarget(dataTakes[i].target, dataTakes[i].slot);
        for (auto i : alwaysPointing) {
            newly.clear();
            data[dataPointers[i].targetModule].markLive(dataPointers[i].target, true, newly);
            reachSegments(dataPointers[i].targetModule, newly);
        }
        for (const auto& e : graph_.entries)
            visit(e.function);
        while (!functionQueue.empty() || !segmentQueue.empty()) {
            while (!segmentQueue.empty()) {
                const auto [mi, seg] = segmentQueue.back();
                segmentQueue.pop_back();
                for (auto i : takesIn[mi][seg])
                    addTarget(dataTakes[i].target, dataTakes[i].slot);
                for (auto i : pointersIn[mi][seg]) {
                    newly.clear();
                    data[dataPointers[i].targetModule].markLive(dataPointers[i].target, true, newly);
                    reachSegments(dataPointers[i].targetModule, newly);
                }
            }
            if (functionQueue.empty())
                break;
            const FunctionId f = functionQueue.back();
            functionQueue.pop_back();
            for (auto ei : out[f])
                visit(graph_.edges[ei].to);
            for (auto i : codeTakesBy[f])
                addTarget(codeTakes[i].target, codeTakes[i].site);
            if (const auto fi = factsIndex(f); fi != kNoFacts) {
                const auto mi = graph_.functions[f].module;
                for (auto a : modules_[mi].facts->dataReferencesOf(fi)) {
                    newly.clear();
                    data[mi].markLive(a, false, newly);
                    reachSegments(mi, newly);
                }
            }
        }

        timer_.mark(" link: fixpoint");
        resolveSyscallSites();
    }

    bool isInterpreter(std::uint32_t mi) const { return interpreter_ && *interpreter_ == mi; }

    // The functions of libc.so.6 with a dynamic symbol whose name `wanted` accepts, each with that
    // name (a function with several such names comes once per name).
    template <typename Wanted>
    std::vector<std::pair<FunctionId, std::string_view>> libcFunctions(Wanted&& wanted) const {
        std::vector<std::pair<FunctionId, std::string_view>> out;
        for (std::uint32_t mi = 0; mi < modules_.size(); ++mi) {
            if (modules_[mi].image->soname() != "libc.so.6")
                continue;
            for (const auto& sym : modules_[mi].image->dynamicSymbols())
                if (sym.defined && sym.type == STT_FUNC && wanted(std::string_view(sym.name)))
                    if (const auto f = functionAt(mi, sym.value); f != kNoFunction)
                        out.push_back({f, sym.name});
        }
        return out;
    }

    // Whether glibc loaded the module as an NSS service (it may be dlopen'ed by name too).
    bool isNssService(const ModuleState& m) const {
        return std::any_of(narrow_.begin(), narrow_.end(), [&](const auto& entry) {
            return entry.second == kNssPrefix && matches(m, entry.first);
        });
    }

    // glibc calls an NSS service's functions only from its lookups: it finds `_nss_SERVICE_NAME` with
    // dlsym in the module it loaded (nss_module.c), or in its table of built-in services, and calls
    // it during getpwnam, getaddrinfo, ... Each lookup of libc (by any of its symbol names, so
    // internal callers such as glob's __getpwnam_r count too) gets a dlsym edge to every service
    // function of its database, and to those named for no database (nssDatabases), rather than all
    // of them being targets of every indirect call: a witness path reads `getgrgid -> [dlsym]
    // _nss_systemd_getgrgid_r`, and "reached only through indirect calls" keeps meaning what depends
    // on the indirect-call model.
    void linkLookups(const std::vector<std::pair<FunctionId, std::string_view>>& services) {
        if (services.empty())
            return;
        // NAME in `_nss_SERVICE_NAME`.
        auto functionPart = [](std::string_view symbol) {
            const auto underscore = symbol.find('_', std::string_view(kNssPrefix).size());
            return underscore == std::string_view::npos ? symbol : symbol.substr(underscore + 1);
        };
        auto named = [](std::string_view function, const std::vector<std::string_view>& stems) {
            return std::any_of(stems.begin(), stems.end(), [&](std::string_view stem) {
                return function.find(stem) != std::string_view::npos;
            });
        };
        std::set<std::pair<FunctionId, FunctionId>> linked;
        for (const auto& db : nssDatabases()) {
            const auto lookups = libcFunctions([&](std::string_view name) {
                return std::find(db.lookups.begin(), db.lookups.end(), name) != db.lookups.end();
            });
            for (const auto& [to, symbol] : services) {
                const auto function = functionPart(symbol);
                const bool ofThisDatabase = named(function, db.stems);
                const bool ofAnyDatabase =
                    std::any_of(nssDatabases().begin(), nssDatabases().end(),
                                [&](const NssDatabase& d) { return named(function, d.stems); });
                if (!ofThisDatabase && ofAnyDatabase)
                    continue;
                for (const auto& [from, lookup] : lookups)
                    if (linked.insert({from, to}).second)
                        addEdge(from, to, graph_.functions[from].address, EdgeKind::Dlsym);
            }
        }
    }

    template <typename Take> void scanDataForPointers(std::uint32_t mi, Take&& take) {
        const auto& img = *modules_[mi].image;
        for (const auto& s : img.sections()) {
            if (s.type != SHT_PROGBITS || (s.flags & SHF_EXECINSTR) || !(s.flags & SHF_ALLOC))
                continue;
            auto bytes = img.bytesAt(s.address, s.size);
            for (std::size_t off = (8 - s.address % 8) % 8; off + 8 <= bytes.size(); off += 8) {
                std::uint64_t v;
                std::memcpy(&v, bytes.data() + off, 8);
                if (const auto f = functionStartingAt(mi, v); f != kNoFunction)
                    take(f, s.address + off);
            }
        }
    }

    void resolveSyscallSites() {
        // Direct callers of each function, for resolving wrappers.
        std::unordered_map<FunctionId, std::vector<std::size_t>> callers; // to -> edge indices
        for (std::size_t i = 0; i < graph_.edges.size(); ++i) {
            const auto& e = graph_.edges[i];
            if (e.kind == EdgeKind::Direct || e.kind == EdgeKind::Import || e.kind == EdgeKind::TailCall ||
                e.kind == EdgeKind::Ifunc)
                callers[e.to].push_back(i);
        }
        struct Work {
            FunctionId wrapper; // passes its parameter `param` on as a syscall number
            int param;
            FunctionId executes; // the function holding the syscall instruction
        };
        std::deque<Work> work;
        std::set<std::pair<FunctionId, int>> seenWrappers;
        for (std::uint32_t mi = 0; mi < modules_.size(); ++mi) {
            const auto& m = modules_[mi];
            for (std::size_t fi = 0; fi < m.facts->size(); ++fi) {
                const FunctionId f = m.firstId + static_cast<FunctionId>(fi);
                for (const auto& s : m.facts->syscallsOf(fi)) {
                    switch (s.rax.kind) {
                    case RegValue::Kind::Constants:
                        for (auto nr : m.facts->constantsOf(s.rax))
                            graph_.sites.push_back(
                                {f, s.address, static_cast<std::int32_t>(nr), {}, kNoFunction});
                        break;
                    case RegValue::Kind::Param:
                        if (seenWrappers.insert({f, s.rax.param}).second)
                            work.push_back({f, s.rax.param, f});
                        break;
                    case RegValue::Kind::Unknown:
                        graph_.sites.push_back({f, s.address, -1,
                                                "syscall number in rax: " + describeValue(mi, s.rax),
                                                kNoFunction});
                        break;
                    }
                }
            }
        }
        while (!work.empty()) {
            const Work w = work.front();
            work.pop_front();
            for (auto ei : callers[w.wrapper]) {
                const auto& e = graph_.edges[ei];
                const ModuleFacts::Call* call = edgeCall_[ei];
                if (!call)
                    continue;
                const auto fromModule = graph_.functions[e.from].module;
                const auto& mf = *modules_[fromModule].facts;
                const auto& v = call->args[static_cast<std::size_t>(w.param)];
                switch (v.kind) {
                case RegValue::Kind::Constants:
                    for (auto nr : mf.constantsOf(v))
                        graph_.sites.push_back(
                            {e.from, e.site, static_cast<std::int32_t>(nr), {}, w.executes});
                    break;
                case RegValue::Kind::Param:
                    if (seenWrappers.insert({e.from, v.param}).second)
                        work.push_back({e.from, v.param, w.executes});
                    break;
                case RegValue::Kind::Unknown:
                    graph_.sites.push_back({e.from, e.site, -1,
                                            std::string("syscall number passed to ") + describe(w.wrapper) +
                                                " in " + kArgRegs[w.param] + ": " +
                                                describeValue(fromModule, v),
                                            w.executes});
                    break;
                }
            }
        }
    }

    // Constant values of argument `param` at every call of `f`, following functions that pass
    // their own parameter on (PLT stubs, wrappers). Each value comes with the call that supplies it.
    void argumentConstants(FunctionId f, int param,
                           std::vector<std::pair<std::int64_t, std::pair<FunctionId, std::uint64_t>>>& out,
                           std::set<std::pair<FunctionId, int>>& seen) {
        if (!seen.insert({f, param}).second)
            return;
        if (inEdges_.empty()) {
            inEdges_.resize(graph_.functions.size());
            for (std::uint32_t ei = 0; ei < graph_.edges.size(); ++ei)
                inEdges_[graph_.edges[ei].to].push_back(ei);
        }
        for (const auto ei : inEdges_[f]) {
            const auto& e = graph_.edges[ei];
            const ModuleFacts::Call* call = edgeCall_[ei];
            if (e.to != f || !call || e.kind == EdgeKind::Callback)
                continue;
            const auto& v = call->args[static_cast<std::size_t>(param)];
            if (v.kind == RegValue::Kind::Constants)
                for (auto c : modules_[graph_.functions[e.from].module].facts->constantsOf(v))
                    out.push_back({c, {e.from, e.site}});
            else if (v.kind == RegValue::Kind::Param)
                argumentConstants(e.from, v.param, out, seen);
        }
    }

    // Reachability where the indirect-call hub leads only to functions whose address was taken
    // outside libc.
    std::vector<char> reachableWithoutLibcPointers() const {
        std::vector<char> seen(graph_.functions.size(), 0);
        std::vector<FunctionId> stack;
        auto visit = [&](FunctionId f) {
            if (!seen[f]) {
                seen[f] = 1;
                stack.push_back(f);
            }
        };
        for (const auto& e : graph_.entries)
            visit(e.function);
        while (!stack.empty()) {
            const FunctionId f = stack.back();
            stack.pop_back();
            const bool fromHub = graph_.functions[f].hub;
            for (const auto ei : outEdges_[f]) {
                const FunctionId to = graph_.edges[ei].to;
                if (fromHub && !graph_.functions[to].hub &&
                    modules_[graph_.functions[to].module].image->soname() == "libc.so.6" &&
                    !takenOutsideLibc_.count(to))
                    continue;
                visit(to);
            }
        }
        return seen;
    }

    // Libraries the program loads at run time: constant-string dlopen calls and NSS modules.
    std::vector<std::pair<std::string, std::string>> discoverDlopen() {
        std::vector<std::pair<std::string, std::string>> out;
        const auto& live = live_;
        // NSS lookups are calls the program makes (getpwnam, getaddrinfo, ...), directly or through
        // its libraries, or through a pointer to them taken outside libc. Reaching them only through
        // glibc's own internal pointer tables (RPC, stdio) says nothing about the program, and would
        // pull every NSS service into every analysis.
        const auto called = reachableWithoutLibcPointers();
        bool usesNss = false;
        bool usesIconv = false;
        std::set<FunctionId> dlopens;
        for (FunctionId f = 0; f < graph_.functions.size(); ++f) {
            const auto& fn = graph_.functions[f];
            if (!live[f] || fn.hub)
                continue;
            // A PLT stub's name ("x@plt") is none of these; any other function is named after its symbol.
            const std::string_view name = fn.name.empty() ? symbolName(fn) : std::string_view(fn.name);
            if (name.empty())
                continue;
            if (called[f] && nssEntryNames().count(name) &&
                modules_[fn.module].image->soname() == "libc.so.6")
                usesNss = true;
            if (called[f] && name == "iconv_open" && modules_[fn.module].image->soname() == "libc.so.6")
                usesIconv = true;
            if (dlopenNames().count(name))
                dlopens.insert(f);
        }
        for (FunctionId f : dlopens) {
            std::vector<std::pair<std::int64_t, std::pair<FunctionId, std::uint64_t>>> values;
            std::set<std::pair<FunctionId, int>> seen;
            argumentConstants(f, 0, values, seen);
            for (const auto& [addr, where] : values) {
                if (!live[where.first])
                    continue;
                const auto& image = *modules_[graph_.functions[where.first].module].image;
                // Only strings that name a shared object: the same argument register carries other
                // constants on paths that never reach dlopen.
                if (auto name = image.cStringAt(static_cast<std::uint64_t>(addr));
                    name && (name->find(".so") != std::string::npos || name->find('/') != std::string::npos))
                    out.push_back(
                        {*name, "constant string passed by " + describe(where.first, where.second)});
            }
        }
        if (usesNss)
            for (const auto& lib : nssModules())
                out.push_back({lib, "NSS service in /etc/nsswitch.conf"});
        if (usesIconv)
            for (const auto& lib : gconvModules())
                out.push_back({lib, "gconv module iconv_open() may load"});
        return out;
    }

    // Every character-set converter glibc's iconv_open() can load: the gconv directory next to
    // libc (which converters a program needs depends on run-time strings, so all of them).
    std::vector<std::string> gconvModules() const {
        std::vector<std::string> libs;
        for (const auto& dir : resolver_.systemDirectories()) {
            std::error_code ec;
            const std::string gconv = dir + "/gconv";
            for (const auto& entry : std::filesystem::directory_iterator(resolver_.hostPath(gconv), ec))
                if (entry.path().extension() == ".so")
                    libs.push_back(gconv + "/" + entry.path().filename().string());
            if (!libs.empty())
                break;
        }
        std::sort(libs.begin(), libs.end());
        return libs;
    }

    std::vector<std::string> nssModules() const {
        std::ifstream in(resolver_.hostPath("/etc/nsswitch.conf"));
        std::set<std::string> services;
        std::string line;
        while (std::getline(in, line)) {
            line = line.substr(0, line.find('#'));
            const auto colon = line.find(':');
            if (colon == std::string::npos)
                continue;
            std::istringstream words(line.substr(colon + 1));
            std::string w;
            while (words >> w)
                if (w.front() != '[' && w != "files" && w != "dns")
                    services.insert(w); // files and dns are built into glibc since 2.34
        }
        std::vector<std::string> libs;
        for (const auto& s : services) {
            const std::string lib = "libnss_" + s + ".so.2";
            for (const auto& dir : resolver_.systemDirectories()) {
                std::ifstream probe(resolver_.hostPath(dir + "/" + lib));
                if (probe) {
                    libs.push_back(lib);
                    break;
                }
            }
        }
        return libs;
    }

    // Source file:line (from DWARF, in the file or its separate debug file) for the functions on
    // the witness paths: every function on a shortest path from an entry to a reachable site.
    void addSourceLocations() {
        std::vector<char> wanted(graph_.functions.size(), 0);
        const auto& live = live_;
        const auto tree = graph_.shortestPathTree();
        for (const auto& s : graph_.sites) {
            if (!live[s.function])
                continue;
            if (s.wrapper != kNoFunction)
                wanted[s.wrapper] = 1;
            for (FunctionId f = s.function; !wanted[f];) {
                wanted[f] = 1;
                if (tree[f] == CallGraph::kNoEdge)
                    break;
                f = graph_.edges[tree[f]].from;
            }
        }
        timer_.mark(" witness paths");
        std::vector<std::vector<FunctionId>> byModule(modules_.size());
        for (FunctionId f = 0; f < graph_.functions.size(); ++f)
            if (wanted[f] && !graph_.functions[f].hub)
                byModule[graph_.functions[f].module].push_back(f);
        for (std::uint32_t mi = 0; mi < modules_.size(); ++mi) {
            if (byModule[mi].empty())
                continue;
            const auto& image = *modules_[mi].image;
            // From the cache when it has every address; otherwise from DWARF, then cached.
            auto known = cache_.locations(image);
            const bool complete = std::all_of(byModule[mi].begin(), byModule[mi].end(), [&](FunctionId f) {
                return known.count(graph_.functions[f].address) > 0;
            });
            locationSources_.push_back(mi);
            if (!complete) {
                if (!image.hasDebugInfo())
                    continue;
                for (const FunctionId f : byModule[mi])
                    if (const auto a = graph_.functions[f].address; !known.count(a))
                        known[a] = image.sourceLocation(a);
                cache_.storeLocations(image, known);
            }
            for (const FunctionId f : byModule[mi]) {
                auto& fn = graph_.functions[f];
                if (const auto& loc = known.at(fn.address)) {
                    fn.sourceFile = loc->file;
                    fn.line = loc->line;
                    // Stripped code has no symbol; its debug information still names the function.
                    if (nameOf(f).starts_with("sub_") && !loc->function.empty())
                        fn.name = loc->function;
                }
            }
        }
    }

    // Keeps what explains the result: reachable functions and their edges, plus the functions that
    // hold syscall sites in unreachable code (so `why` can say a site exists but is not reachable).
    // Unreachable code is most of every library; dropping it halves the analysis file.
    void pruneUnreachable() {
        const auto& live = live_;
        std::vector<char> keep(graph_.functions.size(), 0);
        for (FunctionId f = 0; f < graph_.functions.size(); ++f)
            keep[f] = live[f] || graph_.functions[f].hub;
        for (const auto& site : graph_.sites) {
            keep[site.function] = 1;
            if (site.wrapper != kNoFunction)
                keep[site.wrapper] = 1;
        }
        std::vector<FunctionId> newId(graph_.functions.size(), kNoFunction);
        std::vector<CgFunction> functions;
        for (FunctionId f = 0; f < graph_.functions.size(); ++f)
            if (keep[f]) {
                nameOf(f);
                newId[f] = static_cast<FunctionId>(functions.size());
                functions.push_back(std::move(graph_.functions[f]));
            }
        std::vector<CgEdge> edges;
        for (const auto& e : graph_.edges)
            if (live[e.from] && keep[e.to])
                edges.push_back({newId[e.from], newId[e.to], e.site, e.kind});
        for (auto& site : graph_.sites) {
            site.function = newId[site.function];
            if (site.wrapper != kNoFunction)
                site.wrapper = newId[site.wrapper];
        }
        for (auto& e : graph_.entries)
            e.function = newId[e.function];
        graph_.functions = std::move(functions);
        graph_.edges = std::move(edges);
    }

    void addSpecials() {
        const auto& t = SyscallTable::forArch(graph_.arch);
        for (const auto& k : kKernelIssuedSyscalls)
            if (auto nr = t.number(k.name))
                graph_.specials.push_back({*nr, std::string(k.reason)});
    }

    const AnalyzeOptions& opts_;
    PhaseTimer timer_;
    LibraryResolver resolver_;
    ImageCache images_;
    ModuleCache cache_;
    CallGraph graph_;
    std::vector<ModuleState> modules_;
    std::optional<std::size_t> interpreter_;
    std::vector<std::string> missing_; // libraries the last loadProgram did not find
    // Libraries loaded only because glibc loads them (NSS, gconv), with the prefix of the names it
    // looks up there, and every library some round found dlopen'ed by name (see scopeDlsym).
    std::map<std::string, std::string> narrow_;
    std::set<std::string> named_;
    std::unordered_set<FunctionId> takenOutsideLibc_;
    std::unordered_map<std::string_view, std::vector<Binding>> exports_; // names live in the images
    std::vector<const ModuleFacts::Call*> edgeCall_;                     // parallel to graph_.edges
    // After link: the edges out of and (built on first use) into each function, and what is reachable.
    std::vector<std::vector<std::uint32_t>> outEdges_, inEdges_;
    std::vector<char> live_;
    std::map<std::uint32_t, std::unique_ptr<x86::InsnPrinter>> printers_; // by module (instructionText)
    bool graphFromRecord_ = false;               // graph_ is a cached linked graph (readGraph)
    std::vector<std::uint32_t> locationSources_; // modules of witness functions (addSourceLocations)
};

} // namespace

CallGraph analyzeProgram(const AnalyzeOptions& options) {
    return Builder(options).run();
}

} // namespace swb
