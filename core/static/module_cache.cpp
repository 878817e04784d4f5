#include "static/module_cache.h"

#include "static/analyzer.h"
#include "static/elf_image.h"
#include "util/atomic_file.h"
#include "util/varint.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace swb {

namespace {

constexpr std::string_view kMagic = "SWBFACTS";
constexpr std::string_view kLinesMagic = "SWBLINES";

void putValue(std::string& out, const ModuleFacts::Value& v) {
    out.push_back(static_cast<char>(v.kind));
    switch (v.kind) {
    case RegValue::Kind::Constants:
        putVarint(out, v.first);
        putVarint(out, v.count);
        break;
    case RegValue::Kind::Param:
        out.push_back(static_cast<char>(v.param));
        break;
    case RegValue::Kind::Unknown:
        putVarint(out, std::uint64_t{v.first} * 2 + (v.param == 1 ? 1 : 0)); // a reason or a cause
        break;
    }
}

// Reads a value whose indices must fall inside `constants`, `strings` and `causes` entries.
bool getValue(ByteReader& r, ModuleFacts::Value& v, std::uint64_t constants, std::uint64_t strings,
              std::uint64_t causes) {
    const auto kind = r.byte();
    switch (kind) {
    case static_cast<std::uint8_t>(RegValue::Kind::Constants): {
        const auto first = r.varint();
        const auto count = r.varint();
        if (first > constants || count > constants - first || count > UINT16_MAX)
            return false;
        v.first = static_cast<std::uint32_t>(first);
        v.count = static_cast<std::uint16_t>(count);
        break;
    }
    case static_cast<std::uint8_t>(RegValue::Kind::Param): {
        const auto param = r.byte();
        if (param >= 6)
            return false;
        v.param = param;
        break;
    }
    case static_cast<std::uint8_t>(RegValue::Kind::Unknown): {
        const auto coded = r.varint();
        const auto index = coded / 2;
        if (index >= ((coded & 1) ? causes : strings))
            return false;
        v.param = static_cast<std::uint8_t>(coded & 1);
        v.first = static_cast<std::uint32_t>(index);
        break;
    }
    default:
        return false;
    }
    v.kind = static_cast<RegValue::Kind>(kind);
    return true;
}

void putAddresses(std::string& out, const std::vector<std::uint64_t>& v) {
    std::uint64_t previous = 0;
    for (auto a : v) {
        putSigned(out, static_cast<std::int64_t>(a - previous));
        previous = a;
    }
}

bool getAddresses(ByteReader& r, std::vector<std::uint64_t>& v) {
    std::uint64_t previous = 0;
    for (auto& a : v)
        previous = a = previous + static_cast<std::uint64_t>(r.signedVarint());
    return !r.failed();
}

// A file mapped read-only for as long as a shared_ptr holds it.
class MappedFile {
public:
    static std::shared_ptr<const MappedFile> open(const std::string& path) {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return nullptr; // no cache entry yet
        struct stat st {};
        void* data = MAP_FAILED;
        if (::fstat(fd, &st) == 0 && st.st_size > 0)
            data = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
        ::close(fd);
        if (data == MAP_FAILED)
            return nullptr;
        return std::shared_ptr<const MappedFile>(new MappedFile(data, static_cast<std::size_t>(st.st_size)));
    }
    ~MappedFile() { ::munmap(data_, size_); }
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    std::string_view bytes() const { return {static_cast<const char*>(data_), size_}; }

private:
    MappedFile(void* data, std::size_t size)
        : data_(data)
        , size_(size) {}
    void* data_;
    std::size_t size_;
};

std::string defaultDirectory() {
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x)
        return std::string(x) + "/swb/modules";
    if (const char* h = std::getenv("HOME"); h && *h)
        return std::string(h) + "/.cache/swb/modules";
    return {};
}

} // namespace

ModuleCache::ModuleCache(bool useDisk, std::string directory)
    : useDisk_(useDisk)
    , dir_(directory.empty() ? defaultDirectory() : std::move(directory)) {
    if (dir_.empty())
        useDisk_ = false;
}

// Layout: magic, version, file size, the eight array sizes, then the arrays in that order (the
// reasons as their lengths, then their text; causes as address, code, register). A
// function is its start, its length and how many calls, syscalls, code and data references it has;
// addresses of references are deltas from the previous one.
std::string ModuleCache::encode(const Facts& facts, std::uint64_t fileSize) {
    std::string out(kMagic);
    out.reserve(64 + facts.calls.size() * 24 + facts.functions.size() * 8);
    putVarint(out, static_cast<std::uint64_t>(kModuleAnalysisVersion));
    putVarint(out, fileSize);
    putVarint(out, facts.reasonCount());
    putVarint(out, facts.constants.size());
    putVarint(out, facts.size());
    putVarint(out, facts.calls.size());
    putVarint(out, facts.syscalls.size());
    putVarint(out, facts.codeReferences.size());
    putVarint(out, facts.dataReferences.size());
    putVarint(out, facts.causes.size());
    for (std::size_t i = 0; i < facts.reasonCount(); ++i)
        putVarint(out, facts.reason(i).size());
    out += facts.reasonText;
    for (auto c : facts.constants)
        putSigned(out, c);
    for (const auto& c : facts.causes) {
        putSigned(out, c.at);
        out.push_back(static_cast<char>(c.code));
        out.push_back(static_cast<char>(c.reg));
    }
    for (std::size_t fi = 0; fi < facts.size(); ++fi) {
        const auto &f = facts.functions[fi], &next = facts.functions[fi + 1];
        putVarint(out, f.start);
        putSigned(out, static_cast<std::int64_t>(f.end - f.start));
        putVarint(out, next.calls - f.calls);
        putVarint(out, next.syscalls - f.syscalls);
        putVarint(out, next.codeReferences - f.codeReferences);
        putVarint(out, next.dataReferences - f.dataReferences);
    }
    for (const auto& c : facts.calls) {
        out.push_back(static_cast<char>(c.kind));
        putVarint(out, c.address);
        putVarint(out, c.target);
        for (const auto& a : c.args)
            putValue(out, a);
    }
    for (const auto& s : facts.syscalls) {
        putVarint(out, s.address);
        putValue(out, s.rax);
    }
    putAddresses(out, facts.codeReferences);
    putAddresses(out, facts.dataReferences);
    return out;
}

bool ModuleCache::decode(std::string_view bytes, std::uint64_t fileSize, Facts& out) {
    return decode(bytes, fileSize, out, nullptr);
}

bool ModuleCache::decode(std::string_view bytes, std::uint64_t fileSize, Facts& out,
                         std::shared_ptr<const void> storage) {
    if (!bytes.starts_with(kMagic))
        return false;
    ByteReader r(bytes.substr(kMagic.size()));
    if (r.varint() != static_cast<std::uint64_t>(kModuleAnalysisVersion) || r.varint() != fileSize)
        return false;
    std::uint64_t sizes[8];
    for (auto& n : sizes) {
        n = r.varint();
        // Every item takes at least one byte: a larger count is a corrupt file, not an allocation.
        if (r.failed() || n > r.remaining() || n >= UINT32_MAX)
            return false;
    }
    const auto [nStrings, nConstants, nFunctions, nCalls, nSyscalls, nCode, nData, nCauses] = sizes;
    out = Facts{};
    out.reasonEnds.resize(nStrings);
    std::uint64_t textSize = 0;
    for (auto& end : out.reasonEnds) {
        textSize += r.varint();
        if (r.failed() || textSize > r.remaining())
            return false;
        end = static_cast<std::uint32_t>(textSize);
    }
    out.reasonText = r.bytes(textSize);
    if (r.failed())
        return false;
    if (!storage) {
        auto copy = std::make_shared<const std::string>(out.reasonText);
        out.reasonText = *copy;
        storage = std::move(copy);
    }
    out.storage = std::move(storage);
    out.constants.resize(nConstants);
    for (auto& c : out.constants)
        c = r.signedVarint();
    out.causes.resize(nCauses);
    for (auto& c : out.causes) {
        c.at = r.signedVarint();
        c.code = r.byte();
        c.reg = r.byte();
    }
    if (r.failed())
        return false;
    out.functions.resize(nFunctions + 1);
    std::uint64_t totals[4] = {0, 0, 0, 0};
    for (std::uint64_t fi = 0; fi < nFunctions; ++fi) {
        auto& f = out.functions[fi];
        f.start = r.varint();
        f.end = f.start + static_cast<std::uint64_t>(r.signedVarint());
        f.calls = static_cast<std::uint32_t>(totals[0]);
        f.syscalls = static_cast<std::uint32_t>(totals[1]);
        f.codeReferences = static_cast<std::uint32_t>(totals[2]);
        f.dataReferences = static_cast<std::uint32_t>(totals[3]);
        for (auto& t : totals)
            t += r.varint();
        if (r.failed() || totals[0] > nCalls || totals[1] > nSyscalls || totals[2] > nCode ||
            totals[3] > nData)
            return false;
    }
    if (totals[0] != nCalls || totals[1] != nSyscalls || totals[2] != nCode || totals[3] != nData)
        return false;
    out.functions.back() = {0,
                            0,
                            static_cast<std::uint32_t>(nCalls),
                            static_cast<std::uint32_t>(nSyscalls),
                            static_cast<std::uint32_t>(nCode),
                            static_cast<std::uint32_t>(nData)};
    out.calls.resize(nCalls);
    for (auto& c : out.calls) {
        const auto kind = r.byte();
        if (kind > static_cast<std::uint8_t>(CallSite::Kind::Indirect))
            return false;
        c.kind = static_cast<CallSite::Kind>(kind);
        c.address = r.varint();
        c.target = r.varint();
        for (auto& a : c.args)
            if (!getValue(r, a, nConstants, nStrings, nCauses))
                return false;
    }
    out.syscalls.resize(nSyscalls);
    for (auto& s : out.syscalls) {
        s.address = r.varint();
        if (!getValue(r, s.rax, nConstants, nStrings, nCauses))
            return false;
    }
    out.codeReferences.resize(nCode);
    out.dataReferences.resize(nData);
    if (!getAddresses(r, out.codeReferences) || !getAddresses(r, out.dataReferences))
        return false;
    return !r.failed() && r.atEnd();
}

std::shared_ptr<const ModuleCache::Facts> ModuleCache::get(const ElfImage& image,
                                                           const std::function<Facts()>& compute) {
    {
        std::lock_guard lock(mutex_);
        if (auto it = memory_.find(image.path()); it != memory_.end()) {
            ++hits_;
            return it->second;
        }
    }
    std::error_code ec;
    const auto size = std::filesystem::file_size(image.path(), ec);
    const bool disk = useDisk_ && !image.buildId().empty() && !ec;
    const std::string file = disk ? dir_ + "/" + image.buildId() + ".facts" : std::string();
    if (disk) {
        // Mapped, not read: the reasons stay in the mapping (see ModuleFacts::storage).
        auto mapping = MappedFile::open(file);
        auto facts = std::make_shared<Facts>();
        if (mapping && decode(mapping->bytes(), size, *facts, mapping)) {
            std::lock_guard lock(mutex_);
            ++hits_;
            memory_[image.path()] = facts;
            return facts;
        }
    }
    auto facts = std::make_shared<const Facts>(compute());
    {
        std::lock_guard lock(mutex_);
        ++misses_;
        memory_[image.path()] = facts;
    }
    if (disk) {
        std::filesystem::create_directories(dir_, ec);
        try {
            if (!ec)
                writeFileAtomically(file, encode(*facts, size));
        } catch (const std::exception&) {
            // A cache that cannot be written only costs time next run.
        }
    }
    return facts;
}

std::string ModuleCache::encodeLocations(const Locations& all) {
    std::string out(kLinesMagic);
    putVarint(out, static_cast<std::uint64_t>(kModuleAnalysisVersion));
    putVarint(out, all.size());
    for (const auto& [address, loc] : all) {
        putVarint(out, address);
        out.push_back(loc ? 1 : 0);
        if (loc) {
            putString(out, loc->file);
            putVarint(out, loc->line);
            putString(out, loc->function);
        }
    }
    return out;
}

bool ModuleCache::decodeLocations(std::string_view bytes, Locations& out) {
    if (!bytes.starts_with(kLinesMagic))
        return false;
    ByteReader r(bytes.substr(kLinesMagic.size()));
    if (r.varint() != static_cast<std::uint64_t>(kModuleAnalysisVersion))
        return false;
    const auto n = r.varint();
    if (r.failed() || n > r.remaining())
        return false;
    out.clear();
    for (std::uint64_t i = 0; i < n; ++i) {
        const auto address = r.varint();
        std::optional<ElfImage::SourceLocation> loc;
        if (r.byte()) {
            loc.emplace();
            loc->file = r.string();
            loc->line = static_cast<std::uint32_t>(r.varint());
            loc->function = r.string();
        }
        if (r.failed())
            return false;
        out.emplace_hint(out.end(), address, std::move(loc));
    }
    return r.atEnd();
}

ModuleCache::Locations ModuleCache::locations(const ElfImage& image) const {
    Locations out;
    if (!useDisk_ || image.buildId().empty())
        return out;
    const auto mapping = MappedFile::open(dir_ + "/" + image.buildId() + ".lines");
    if (mapping && !decodeLocations(mapping->bytes(), out))
        out.clear();
    return out;
}

std::string ModuleCache::locationsVersion(const ElfImage& image) const {
    struct stat st {};
    if (!useDisk_ || image.buildId().empty() ||
        ::stat((dir_ + "/" + image.buildId() + ".lines").c_str(), &st))
        return {};
    return std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
           std::to_string(st.st_mtim.tv_nsec) + ":" + std::to_string(st.st_ino);
}

void ModuleCache::storeLocations(const ElfImage& image, const Locations& all) const {
    if (!useDisk_ || image.buildId().empty())
        return;
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    try {
        if (!ec)
            writeFileAtomically(dir_ + "/" + image.buildId() + ".lines", encodeLocations(all));
    } catch (const std::exception&) {
        // A cache that cannot be written only costs time next run.
    }
}

std::string ModuleCache::readRecord(const std::string& name) const {
    if (!useDisk_)
        return {};
    try {
        return readWholeFile(dir_ + "/" + name);
    } catch (const std::exception&) {
        return {};
    }
}

void ModuleCache::writeRecord(const std::string& name, const std::string& bytes) const {
    if (!useDisk_)
        return;
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    try {
        if (!ec)
            writeFileAtomically(dir_ + "/" + name, bytes);
    } catch (const std::exception&) {
        // A cache that cannot be written only costs time next run.
    }
}

} // namespace swb
