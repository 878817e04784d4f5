#include "static/module_cache.h"

#include "static/analyzer.h"
#include "static/elf_image.h"
#include "util/atomic_file.h"
#include "util/varint.h"

#include <cstdlib>
#include <filesystem>

namespace swb {

namespace {

constexpr std::string_view kMagic = "SWBFACTS";

void putValue(std::string& out, const RegValue& v) {
    out.push_back(static_cast<char>(v.kind));
    switch (v.kind) {
    case RegValue::Kind::Constants:
        putVarint(out, v.constants.size());
        for (auto c : v.constants)
            putSigned(out, c);
        break;
    case RegValue::Kind::Param:
        putVarint(out, static_cast<std::uint64_t>(v.param));
        break;
    case RegValue::Kind::Unknown:
        putString(out, v.reason);
        break;
    }
}

RegValue getValue(ByteReader& r, bool& ok) {
    RegValue v;
    const auto kind = r.byte();
    if (kind > static_cast<std::uint8_t>(RegValue::Kind::Param)) {
        ok = false;
        return v;
    }
    v.kind = static_cast<RegValue::Kind>(kind);
    switch (v.kind) {
    case RegValue::Kind::Constants: {
        const auto n = r.varint();
        for (std::uint64_t i = 0; i < n && !r.failed(); ++i)
            v.constants.push_back(r.signedVarint());
        break;
    }
    case RegValue::Kind::Param:
        v.param = static_cast<int>(r.varint());
        break;
    case RegValue::Kind::Unknown:
        v.reason = r.string();
        break;
    }
    return v;
}

void putAddresses(std::string& out, const std::vector<std::uint64_t>& v) {
    putVarint(out, v.size());
    for (auto a : v)
        putVarint(out, a);
}

std::vector<std::uint64_t> getAddresses(ByteReader& r) {
    std::vector<std::uint64_t> v(std::min<std::uint64_t>(r.varint(), r.remaining()));
    for (auto& a : v)
        a = r.varint();
    return v;
}

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

std::string ModuleCache::encode(const Facts& facts, std::uint64_t fileSize) {
    std::string out(kMagic);
    putVarint(out, static_cast<std::uint64_t>(kModuleAnalysisVersion));
    putVarint(out, fileSize);
    putVarint(out, facts.size());
    for (const auto& f : facts) {
        putVarint(out, f.start);
        out.push_back(static_cast<char>(f.origin));
        putVarint(out, f.end);
        putAddresses(out, f.blocks);
        putVarint(out, f.calls.size());
        for (const auto& c : f.calls) {
            out.push_back(static_cast<char>(c.kind));
            putVarint(out, c.address);
            putVarint(out, c.target);
            putVarint(out, c.slot);
            for (const auto& a : c.args)
                putValue(out, a);
        }
        putVarint(out, f.syscalls.size());
        for (const auto& s : f.syscalls) {
            putVarint(out, s.address);
            putValue(out, s.rax);
        }
        putAddresses(out, f.codeReferences);
        putAddresses(out, f.dataReferences);
        putVarint(out, f.jumpTables);
        putVarint(out, f.problems.size());
        for (const auto& p : f.problems)
            putString(out, p);
        out.push_back(f.noReturn ? 1 : 0);
    }
    return out;
}

bool ModuleCache::decode(std::string_view bytes, std::uint64_t fileSize, Facts& out) {
    if (!bytes.starts_with(kMagic))
        return false;
    ByteReader r(bytes.substr(kMagic.size()));
    if (r.varint() != static_cast<std::uint64_t>(kModuleAnalysisVersion) || r.varint() != fileSize)
        return false;
    const auto n = r.varint();
    if (r.failed() || n > bytes.size())
        return false;
    out.clear();
    out.resize(n);
    bool ok = true;
    for (auto& f : out) {
        f.start = r.varint();
        const auto origin = r.byte();
        if (origin > static_cast<std::uint8_t>(FunctionFacts::Origin::CodeReference))
            return false;
        f.origin = static_cast<FunctionFacts::Origin>(origin);
        f.end = r.varint();
        f.blocks = getAddresses(r);
        f.calls.resize(std::min<std::uint64_t>(r.varint(), r.remaining()));
        for (auto& c : f.calls) {
            const auto kind = r.byte();
            if (kind > static_cast<std::uint8_t>(CallSite::Kind::Indirect))
                return false;
            c.kind = static_cast<CallSite::Kind>(kind);
            c.address = r.varint();
            c.target = r.varint();
            c.slot = r.varint();
            for (auto& a : c.args)
                a = getValue(r, ok);
        }
        f.syscalls.resize(std::min<std::uint64_t>(r.varint(), r.remaining()));
        for (auto& s : f.syscalls) {
            s.address = r.varint();
            s.rax = getValue(r, ok);
        }
        f.codeReferences = getAddresses(r);
        f.dataReferences = getAddresses(r);
        f.jumpTables = r.varint();
        f.problems.resize(std::min<std::uint64_t>(r.varint(), r.remaining()));
        for (auto& p : f.problems)
            p = r.string();
        f.noReturn = r.byte() != 0;
        if (r.failed() || !ok)
            return false;
    }
    return r.atEnd();
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
        std::string bytes;
        try {
            bytes = readWholeFile(file);
        } catch (const std::exception&) {
            // No cache entry yet (or an unreadable one): analyze.
        }
        auto facts = std::make_shared<Facts>();
        if (!bytes.empty() && decode(bytes, size, *facts)) {
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

} // namespace swb
