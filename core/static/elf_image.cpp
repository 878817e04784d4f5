#include "static/elf_image.h"

#include "util/error.h"

#include <llvm/BinaryFormat/Dwarf.h>
#include <llvm/BinaryFormat/ELF.h>
#include <llvm/DebugInfo/DWARF/DWARFContext.h>
#include <llvm/Object/ELFObjectFile.h>
#include <llvm/Object/ObjectFile.h>
#include <llvm/Support/CRC.h>
#include <llvm/Support/Error.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/Path.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <unordered_map>

namespace swb {

namespace {

using ELFT = llvm::object::ELF64LE;
using ElfFile = llvm::object::ELFFile<ELFT>;
using Shdr = ELFT::Shdr;
using Phdr = ELFT::Phdr;

constexpr std::uint32_t kRX86_64_64 = llvm::ELF::R_X86_64_64;
constexpr std::uint32_t kRRelative = llvm::ELF::R_X86_64_RELATIVE;
constexpr std::uint32_t kRIRelative = llvm::ELF::R_X86_64_IRELATIVE;

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
    throw Error(path + ": " + problem);
}

template <typename T> T take(llvm::Expected<T> value, const std::string& path, const std::string& what) {
    if (!value)
        fail(path, what + ": " + llvm::toString(value.takeError()));
    return std::move(*value);
}

std::string machineName(std::uint16_t machine) {
    switch (machine) {
    case llvm::ELF::EM_NONE:
        return "EM_NONE";
    case llvm::ELF::EM_SPARC:
        return "EM_SPARC";
    case llvm::ELF::EM_386:
        return "EM_386";
    case llvm::ELF::EM_68K:
        return "EM_68K";
    case llvm::ELF::EM_MIPS:
        return "EM_MIPS";
    case llvm::ELF::EM_PPC:
        return "EM_PPC";
    case llvm::ELF::EM_PPC64:
        return "EM_PPC64";
    case llvm::ELF::EM_S390:
        return "EM_S390";
    case llvm::ELF::EM_ARM:
        return "EM_ARM";
    case llvm::ELF::EM_SPARCV9:
        return "EM_SPARCV9";
    case llvm::ELF::EM_IA_64:
        return "EM_IA_64";
    case llvm::ELF::EM_X86_64:
        return "EM_X86_64";
    case llvm::ELF::EM_AARCH64:
        return "EM_AARCH64";
    case llvm::ELF::EM_RISCV:
        return "EM_RISCV";
    case llvm::ELF::EM_BPF:
        return "EM_BPF";
    case 258:
        return "EM_LOONGARCH";
    default:
        return "e_machine " + std::to_string(machine);
    }
}

std::uint16_t readLe16(const std::uint8_t* p) {
    return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
std::uint32_t readLe32(const std::uint8_t* p) {
    return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
           (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
std::uint64_t readLe64(const std::uint8_t* p) {
    return static_cast<std::uint64_t>(readLe32(p)) | (static_cast<std::uint64_t>(readLe32(p + 4)) << 32);
}

// Checks the identification and header fields that decide whether this is a file we can load at
// all, so that the messages say what is wrong in plain words.
void checkHeader(const std::string& path, std::span<const std::uint8_t> file) {
    if (file.size() < 4 || std::memcmp(file.data(),
                                       "\x7f"
                                       "ELF",
                                       4) != 0)
        fail(path, "not an ELF file");
    if (file.size() < llvm::ELF::EI_NIDENT)
        fail(path, "truncated ELF file (" + std::to_string(file.size()) + " bytes)");
    const auto cls = file[llvm::ELF::EI_CLASS];
    if (cls == llvm::ELF::ELFCLASS32)
        fail(path, "32-bit ELF (ELFCLASS32), only x86-64 is supported");
    if (cls != llvm::ELF::ELFCLASS64)
        fail(path, "invalid ELF class " + std::to_string(cls));
    const auto data = file[llvm::ELF::EI_DATA];
    if (data == llvm::ELF::ELFDATA2MSB)
        fail(path, "big-endian ELF, only x86-64 is supported");
    if (data != llvm::ELF::ELFDATA2LSB)
        fail(path, "invalid ELF data encoding " + std::to_string(data));
    if (file.size() < sizeof(ELFT::Ehdr))
        fail(path, "truncated ELF file (" + std::to_string(file.size()) + " bytes, the ELF header needs " +
                       std::to_string(sizeof(ELFT::Ehdr)) + ")");
    const auto machine = readLe16(file.data() + 18);
    if (machine != llvm::ELF::EM_X86_64)
        fail(path, "ELF machine is " + machineName(machine) + ", only x86-64 is supported");
    const auto* ehdr = reinterpret_cast<const ELFT::Ehdr*>(file.data());
    const auto needs = [&](std::uint64_t offset, std::uint64_t count, std::uint64_t entSize,
                           const char* what) {
        if (count == 0)
            return;
        if (entSize == 0 || count > (UINT64_MAX - offset) / entSize || offset + count * entSize > file.size())
            fail(path, std::string("truncated ELF file (") + std::to_string(file.size()) + " bytes, the " +
                           what + " ends at " + std::to_string(offset + count * entSize) + ")");
    };
    needs(ehdr->e_phoff, ehdr->e_phnum, ehdr->e_phentsize, "program header table");
    needs(ehdr->e_shoff, ehdr->e_shnum, ehdr->e_shentsize, "section header table");
}

std::vector<std::string> splitPath(llvm::StringRef list) {
    std::vector<std::string> out;
    llvm::SmallVector<llvm::StringRef, 8> parts;
    list.split(parts, ':', -1, /*KeepEmpty=*/true);
    for (auto p : parts)
        out.emplace_back(p.str());
    return out;
}

// A pointer read from .eh_frame with a DW_EH_PE_* encoding.
class EhReader {
public:
    EhReader(std::span<const std::uint8_t> data, std::uint64_t address)
        : data_(data)
        , address_(address) {}

    bool atEnd(std::size_t pos) const { return pos >= data_.size(); }
    std::size_t size() const { return data_.size(); }

    std::uint8_t u8(std::size_t& pos) const {
        need(pos, 1);
        return data_[pos++];
    }
    std::uint32_t u32(std::size_t& pos) const {
        need(pos, 4);
        const auto v = readLe32(data_.data() + pos);
        pos += 4;
        return v;
    }
    std::uint64_t u64(std::size_t& pos) const {
        need(pos, 8);
        const auto v = readLe64(data_.data() + pos);
        pos += 8;
        return v;
    }
    std::uint64_t uleb(std::size_t& pos) const {
        std::uint64_t v = 0;
        unsigned shift = 0;
        for (;;) {
            const auto b = u8(pos);
            if (shift < 64)
                v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
            shift += 7;
            if (!(b & 0x80))
                return v;
        }
    }
    std::int64_t sleb(std::size_t& pos) const {
        std::int64_t v = 0;
        unsigned shift = 0;
        std::uint8_t b = 0;
        do {
            b = u8(pos);
            if (shift < 64)
                v |= static_cast<std::int64_t>(static_cast<std::uint64_t>(b & 0x7f) << shift);
            shift += 7;
        } while (b & 0x80);
        if (shift < 64 && (b & 0x40))
            v |= static_cast<std::int64_t>(~std::uint64_t{0} << shift);
        return v;
    }
    std::string cstr(std::size_t& pos) const {
        std::string s;
        for (;;) {
            const auto c = u8(pos);
            if (!c)
                return s;
            s.push_back(static_cast<char>(c));
        }
    }
    // Reads an encoded pointer; `applyBase` false reads the value format only (FDE address range).
    std::uint64_t pointer(std::size_t& pos, std::uint8_t encoding, bool applyBase) const {
        const auto fieldAddress = address_ + pos;
        std::uint64_t v = 0;
        switch (encoding & 0x0f) {
        case llvm::dwarf::DW_EH_PE_absptr:
            v = u64(pos);
            break;
        case llvm::dwarf::DW_EH_PE_uleb128:
            v = uleb(pos);
            break;
        case llvm::dwarf::DW_EH_PE_udata2: {
            need(pos, 2);
            v = readLe16(data_.data() + pos);
            pos += 2;
            break;
        }
        case llvm::dwarf::DW_EH_PE_udata4:
            v = u32(pos);
            break;
        case llvm::dwarf::DW_EH_PE_udata8:
            v = u64(pos);
            break;
        case llvm::dwarf::DW_EH_PE_sleb128:
            v = static_cast<std::uint64_t>(sleb(pos));
            break;
        case llvm::dwarf::DW_EH_PE_sdata2: {
            need(pos, 2);
            v = static_cast<std::uint64_t>(
                static_cast<std::int64_t>(static_cast<std::int16_t>(readLe16(data_.data() + pos))));
            pos += 2;
            break;
        }
        case llvm::dwarf::DW_EH_PE_sdata4:
            v = static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int32_t>(u32(pos))));
            break;
        case llvm::dwarf::DW_EH_PE_sdata8:
            v = u64(pos);
            break;
        default:
            throw std::runtime_error("unsupported pointer encoding " + hex(encoding));
        }
        if (!applyBase)
            return v;
        switch (encoding & 0x70) {
        case llvm::dwarf::DW_EH_PE_absptr:
            return v;
        case llvm::dwarf::DW_EH_PE_pcrel:
            return v + fieldAddress;
        default:
            throw std::runtime_error("unsupported pointer encoding " + hex(encoding));
        }
    }

    static std::string hex(std::uint64_t v) {
        char buf[24];
        std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
        return buf;
    }

private:
    void need(std::size_t pos, std::size_t n) const {
        if (pos > data_.size() || data_.size() - pos < n)
            throw std::runtime_error("record runs past the end at offset " + hex(pos));
    }
    std::span<const std::uint8_t> data_;
    std::uint64_t address_;
};

// The FDE pointer encoding of the CIE at `pos` (its length field).
std::uint8_t cieEncoding(const EhReader& r, std::size_t pos) {
    std::uint64_t length = r.u32(pos);
    if (length == 0xffffffff)
        length = r.u64(pos);
    if (r.u32(pos) != 0)
        throw std::runtime_error("FDE points to a record that is not a CIE");
    const auto version = r.u8(pos);
    const auto augmentation = r.cstr(pos);
    if (augmentation.find("eh") != std::string::npos)
        r.u64(pos);
    r.uleb(pos); // code alignment
    r.sleb(pos); // data alignment
    if (version == 1)
        r.u8(pos);
    else
        r.uleb(pos); // return address register
    std::uint8_t encoding = llvm::dwarf::DW_EH_PE_absptr;
    if (augmentation.empty() || augmentation[0] != 'z')
        return encoding;
    r.uleb(pos); // augmentation data length
    for (std::size_t i = 1; i < augmentation.size(); ++i) {
        switch (augmentation[i]) {
        case 'R':
            encoding = r.u8(pos);
            break;
        case 'P': {
            const auto personalityEncoding = r.u8(pos);
            r.pointer(pos, personalityEncoding & 0x7f, false);
            break;
        }
        case 'L':
            r.u8(pos);
            break;
        case 'S':
        case 'B':
        case 'G':
            break;
        default:
            return encoding; // unknown augmentation: the rest of the data cannot be interpreted
        }
    }
    return encoding;
}

// Every FDE of an .eh_frame image at `address`: [initial location, + address range).
std::vector<std::pair<std::uint64_t, std::uint64_t>> parseEhFrame(std::span<const std::uint8_t> data,
                                                                  std::uint64_t address) {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> fdes;
    const EhReader r(data, address);
    std::unordered_map<std::size_t, std::uint8_t> encodings;
    std::size_t pos = 0;
    while (pos + 4 <= r.size()) {
        const auto recordStart = pos;
        std::uint64_t length = r.u32(pos);
        if (length == 0)
            break; // terminator
        if (length == 0xffffffff)
            length = r.u64(pos);
        const auto bodyStart = pos;
        if (length > r.size() - bodyStart)
            throw std::runtime_error("record at offset " + EhReader::hex(recordStart) + " runs past the end");
        const auto next = bodyStart + static_cast<std::size_t>(length);
        const auto idPos = pos;
        const auto id = r.u32(pos);
        if (id != 0) {
            if (id > idPos)
                throw std::runtime_error("FDE at offset " + EhReader::hex(recordStart) +
                                         " points before the section");
            const auto ciePos = idPos - id;
            auto it = encodings.find(ciePos);
            if (it == encodings.end())
                it = encodings.emplace(ciePos, cieEncoding(r, ciePos)).first;
            const auto start = r.pointer(pos, it->second, true);
            const auto range = r.pointer(pos, it->second & 0x0f, false);
            if (pos > next)
                throw std::runtime_error("FDE at offset " + EhReader::hex(recordStart) +
                                         " overruns its length");
            fdes.emplace_back(start, start + range);
        }
        pos = next;
    }
    std::sort(fdes.begin(), fdes.end());
    return fdes;
}

std::string hexBytes(llvm::ArrayRef<std::uint8_t> bytes) {
    static const char digits[] = "0123456789abcdef";
    std::string s;
    s.reserve(bytes.size() * 2);
    for (auto b : bytes) {
        s.push_back(digits[b >> 4]);
        s.push_back(digits[b & 15]);
    }
    return s;
}

int bindingRank(std::uint8_t binding) {
    switch (binding) {
    case llvm::ELF::STB_GLOBAL:
    case llvm::ELF::STB_GNU_UNIQUE:
        return 0;
    case llvm::ELF::STB_WEAK:
        return 1;
    default:
        return 2;
    }
}

// Where distributions install separate debug files (Debian's -dbgsym packages: .build-id/xx/yyyy.debug).
constexpr const char* kDebugRoot = "/usr/lib/debug";

bool isDebugInfoSection(llvm::StringRef name, const Shdr& sh) {
    return (name == ".debug_info" || name == ".zdebug_info") && sh.sh_type != llvm::ELF::SHT_NOBITS &&
           sh.sh_size != 0;
}

// A separate debug file, kept mapped while the image lives (its DWARF context points into it).
struct DebugFile {
    std::string path;
    std::unique_ptr<llvm::MemoryBuffer> buffer;
    std::unique_ptr<llvm::object::ObjectFile> object;
    std::string buildId; // empty when it has none
};

// Opens a candidate debug file: an x86-64 ELF64 file with a .debug_info section. Anything else
// (missing, unreadable, truncated, another architecture, no DWARF) gives nullptr, never an error.
std::unique_ptr<DebugFile> openDebugFile(const std::string& path) {
    if (!llvm::sys::fs::is_regular_file(path))
        return nullptr;
    auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
    if (!buf)
        return nullptr;
    auto file = std::make_unique<DebugFile>();
    file->path = path;
    file->buffer = std::move(*buf);
    try {
        checkHeader(path, {reinterpret_cast<const std::uint8_t*>(file->buffer->getBufferStart()),
                           file->buffer->getBufferSize()});
    } catch (const Error&) {
        return nullptr;
    }
    auto object = llvm::object::ObjectFile::createObjectFile(file->buffer->getMemBufferRef());
    if (!object) {
        llvm::consumeError(object.takeError());
        return nullptr;
    }
    file->object = std::move(*object);
    const auto* elfObject = llvm::dyn_cast<llvm::object::ELF64LEObjectFile>(file->object.get());
    if (!elfObject)
        return nullptr;
    const ElfFile& elf = elfObject->getELFFile();
    auto shdrs = elf.sections();
    if (!shdrs) {
        llvm::consumeError(shdrs.takeError());
        return nullptr;
    }
    auto shstrtab = elf.getSectionStringTable(*shdrs);
    if (!shstrtab) {
        llvm::consumeError(shstrtab.takeError());
        return nullptr;
    }
    bool dwarf = false;
    for (const auto& sh : *shdrs) {
        auto name = elf.getSectionName(sh, *shstrtab);
        if (!name) {
            llvm::consumeError(name.takeError());
            return nullptr;
        }
        if (isDebugInfoSection(*name, sh))
            dwarf = true;
        // objcopy --only-keep-debug keeps the notes' contents (not necessarily a PT_NOTE's bytes).
        if (sh.sh_type == llvm::ELF::SHT_NOTE) {
            llvm::Error err = llvm::Error::success();
            for (const auto& note : elf.notes(sh, err)) {
                if (note.getType() == llvm::ELF::NT_GNU_BUILD_ID && note.getName() == "GNU")
                    file->buildId = hexBytes(note.getDesc());
            }
            if (err) {
                llvm::consumeError(std::move(err));
                return nullptr;
            }
        }
    }
    return dwarf ? std::move(file) : nullptr;
}

// True when a is a better name than b for the same address.
bool betterName(const ElfImage::Symbol& a, const ElfImage::Symbol& b) {
    if (bindingRank(a.binding) != bindingRank(b.binding))
        return bindingRank(a.binding) < bindingRank(b.binding);
    if (a.defaultVersion != b.defaultVersion)
        return a.defaultVersion;
    const bool au = !a.name.empty() && a.name[0] == '_';
    const bool bu = !b.name.empty() && b.name[0] == '_';
    if (au != bu)
        return !au;
    if (a.name.size() != b.name.size())
        return a.name.size() < b.name.size();
    return a.name < b.name;
}

} // namespace

struct ElfImage::Impl {
    std::string path;
    std::unique_ptr<llvm::MemoryBuffer> buffer;
    std::unique_ptr<llvm::object::ObjectFile> object;
    std::span<const std::uint8_t> file;

    Kind kind = Kind::Other;
    bool pie = false;
    bool noDefaultLibraries = false;
    std::uint64_t entry = 0;
    std::string buildId;
    std::string interpreter;
    std::string soname;
    std::vector<std::string> needed;
    std::vector<std::string> rpath;
    std::vector<std::string> runpath;
    bool debugInfo = false; // this file's own .debug_info
    std::string debugLink;  // .gnu_debuglink file name, empty when none
    std::uint32_t debugLinkCrc = 0;

    std::vector<Section> sections;
    std::vector<Segment> loads;
    std::vector<Symbol> symbols;
    std::vector<Symbol> dynamicSymbols;
    std::vector<Relocation> relocations;
    std::vector<std::uint64_t> init;
    std::vector<std::uint64_t> fini;
    std::vector<std::uint64_t> functionStarts;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> fdes;
    std::vector<CodeRegion> code;

    // FUNC/IFUNC symbols by address, for symbolFor: (value, symbol), the better name last among equals.
    std::vector<const Symbol*> funcSymtab;
    std::vector<const Symbol*> funcDynsym;
    std::uint64_t maxFuncSizeSymtab = 0;
    std::uint64_t maxFuncSizeDynsym = 0;

    // Looked for on first use (hasDebugInfo, separateDebugFile, sourceLocation).
    std::once_flag separateOnce;
    std::unique_ptr<DebugFile> separate;
    // Created on the first sourceLocation; DWARFContext parses lazily and caches, so every use of
    // it, creation included, holds dwarfMutex. Declared last: it points into the objects above.
    std::mutex dwarfMutex;
    bool dwarfCreated = false;
    std::unique_ptr<llvm::DWARFContext> dwarf;

    const DebugFile* separateDebugFile() {
        std::call_once(separateOnce, [this] {
            if (!debugInfo)
                separate = findSeparateDebugFile();
        });
        return separate.get();
    }
    std::unique_ptr<DebugFile> findSeparateDebugFile() const;
    llvm::DWARFContext* dwarfContext(); // with dwarfMutex held

    const Segment* loadFor(std::uint64_t address) const {
        auto it = std::upper_bound(loads.begin(), loads.end(), address,
                                   [](std::uint64_t a, const Segment& s) { return a < s.address; });
        if (it == loads.begin())
            return nullptr;
        --it;
        if (address - it->address >= it->fileSize)
            return nullptr;
        return &*it;
    }
    std::span<const std::uint8_t> bytesAt(std::uint64_t address, std::uint64_t size) const {
        const auto* seg = loadFor(address);
        if (!seg || size > seg->fileSize - (address - seg->address))
            return {};
        return file.subspan(static_cast<std::size_t>(seg->fileOffset + (address - seg->address)),
                            static_cast<std::size_t>(size));
    }
    bool inCode(std::uint64_t address) const {
        auto it = std::upper_bound(code.begin(), code.end(), address,
                                   [](std::uint64_t a, const CodeRegion& c) { return a < c.address; });
        if (it == code.begin())
            return false;
        --it;
        return address - it->address < it->bytes.size();
    }
    const Relocation* relocationAt(std::uint64_t address) const {
        auto it = std::lower_bound(relocations.begin(), relocations.end(), address,
                                   [](const Relocation& r, std::uint64_t a) { return r.offset < a; });
        if (it == relocations.end() || it->offset != address)
            return nullptr;
        return &*it;
    }

    void load(const std::string& p);
    void readDebugLink(const ElfFile& elf, const Shdr& sh);
    struct VersionName {
        std::string name;
        bool definition = false; // from .gnu.version_d (may be the default version of a symbol)
    };
    std::vector<std::optional<VersionName>> readVersionNames(const ElfFile& elf, const Shdr* verneed,
                                                             const Shdr* verdef) const;
    void readSymbols(const ElfFile& elf, const Shdr& table, bool dynamic, const Shdr* versym,
                     const Shdr* verneed, const Shdr* verdef);
    std::vector<std::uint64_t> pointerArray(std::uint64_t address, std::uint64_t size) const;
    static const Symbol* lookup(const std::vector<const Symbol*>& table, std::uint64_t maxSize,
                                std::uint64_t address);
};

void ElfImage::Impl::load(const std::string& p) {
    path = p;
    auto buf = llvm::MemoryBuffer::getFile(p, /*IsText=*/false, /*RequiresNullTerminator=*/false);
    if (!buf)
        fail(p, "cannot read: " + buf.getError().message());
    buffer = std::move(*buf);
    file = {reinterpret_cast<const std::uint8_t*>(buffer->getBufferStart()), buffer->getBufferSize()};
    checkHeader(p, file);

    object =
        take(llvm::object::ObjectFile::createObjectFile(buffer->getMemBufferRef()), p, "malformed ELF file");
    const auto* elfObject = llvm::dyn_cast<llvm::object::ELF64LEObjectFile>(object.get());
    if (!elfObject)
        fail(p, "not an ELF64 little-endian file");
    const ElfFile& elf = elfObject->getELFFile();
    const auto& header = elf.getHeader();
    entry = header.e_entry;

    // Program headers: PT_LOAD, PT_INTERP, PT_NOTE, PT_GNU_EH_FRAME.
    const auto phdrs = take(elf.program_headers(), p, "program headers");
    const Phdr* ehFrameHdr = nullptr;
    for (const auto& ph : phdrs) {
        const auto fileEnd = static_cast<std::uint64_t>(ph.p_offset) + ph.p_filesz;
        if (ph.p_type == llvm::ELF::PT_LOAD || ph.p_type == llvm::ELF::PT_INTERP) {
            if (ph.p_filesz > file.size() || ph.p_offset > file.size() - ph.p_filesz)
                fail(p, "truncated ELF file (" + std::to_string(file.size()) + " bytes, a segment ends at " +
                            std::to_string(fileEnd) + ")");
        }
        switch (ph.p_type) {
        case llvm::ELF::PT_LOAD:
            if (ph.p_filesz > ph.p_memsz)
                fail(p, "malformed ELF file: PT_LOAD at " + EhReader::hex(ph.p_vaddr) +
                            " has a file size above its memory size");
            loads.push_back({ph.p_vaddr, ph.p_memsz, ph.p_offset, ph.p_filesz, ph.p_flags});
            break;
        case llvm::ELF::PT_INTERP: {
            const auto* s = reinterpret_cast<const char*>(file.data() + ph.p_offset);
            interpreter.assign(s, strnlen(s, static_cast<std::size_t>(ph.p_filesz)));
            break;
        }
        case llvm::ELF::PT_NOTE: {
            llvm::Error err = llvm::Error::success();
            for (const auto& note : elf.notes(ph, err)) {
                if (note.getType() == llvm::ELF::NT_GNU_BUILD_ID && note.getName() == "GNU")
                    buildId = hexBytes(note.getDesc());
            }
            if (err)
                fail(p, "PT_NOTE: " + llvm::toString(std::move(err)));
            break;
        }
        case llvm::ELF::PT_GNU_EH_FRAME:
            ehFrameHdr = &ph;
            break;
        default:
            break;
        }
    }
    std::sort(loads.begin(), loads.end(),
              [](const Segment& a, const Segment& b) { return a.address < b.address; });
    for (const auto& seg : loads) {
        if (seg.flags & llvm::ELF::PF_X)
            code.push_back({seg.address, file.subspan(static_cast<std::size_t>(seg.fileOffset),
                                                      static_cast<std::size_t>(seg.fileSize))});
    }

    // Sections.
    const auto shdrs = take(elf.sections(), p, "section headers");
    const Shdr* symtab = nullptr;
    const Shdr* dynsym = nullptr;
    const Shdr* versym = nullptr;
    const Shdr* verneed = nullptr;
    const Shdr* verdef = nullptr;
    const Shdr* ehFrame = nullptr;
    const Shdr* initSection = nullptr;
    const Shdr* finiSection = nullptr;
    const Shdr* arraySections[3] = {nullptr, nullptr, nullptr}; // preinit, init, fini
    std::vector<const Shdr*> relaSections;
    std::vector<const Shdr*> relrSections;
    const auto shstrtab = take(elf.getSectionStringTable(shdrs), p, "section name table");
    sections.reserve(shdrs.size());
    for (const auto& sh : shdrs) {
        Section s;
        s.name = take(elf.getSectionName(sh, shstrtab), p, "section name").str();
        s.address = sh.sh_addr;
        s.size = sh.sh_size;
        s.type = sh.sh_type;
        s.flags = sh.sh_flags;
        switch (sh.sh_type) {
        case llvm::ELF::SHT_SYMTAB:
            symtab = &sh;
            break;
        case llvm::ELF::SHT_DYNSYM:
            dynsym = &sh;
            break;
        case llvm::ELF::SHT_GNU_versym:
            versym = &sh;
            break;
        case llvm::ELF::SHT_GNU_verneed:
            verneed = &sh;
            break;
        case llvm::ELF::SHT_GNU_verdef:
            verdef = &sh;
            break;
        case llvm::ELF::SHT_PREINIT_ARRAY:
            arraySections[0] = &sh;
            break;
        case llvm::ELF::SHT_INIT_ARRAY:
            arraySections[1] = &sh;
            break;
        case llvm::ELF::SHT_FINI_ARRAY:
            arraySections[2] = &sh;
            break;
        case llvm::ELF::SHT_RELA:
            if (sh.sh_flags & llvm::ELF::SHF_ALLOC)
                relaSections.push_back(&sh);
            break;
        case llvm::ELF::SHT_RELR:
            if (sh.sh_flags & llvm::ELF::SHF_ALLOC)
                relrSections.push_back(&sh);
            break;
        default:
            break;
        }
        if (s.name == ".eh_frame" && sh.sh_type != llvm::ELF::SHT_NOBITS)
            ehFrame = &sh;
        else if (s.name == ".init" && (sh.sh_flags & llvm::ELF::SHF_EXECINSTR))
            initSection = &sh;
        else if (s.name == ".fini" && (sh.sh_flags & llvm::ELF::SHF_EXECINSTR))
            finiSection = &sh;
        else if (isDebugInfoSection(s.name, sh))
            debugInfo = true;
        else if (s.name == ".gnu_debuglink" && sh.sh_type != llvm::ELF::SHT_NOBITS)
            readDebugLink(elf, sh);
        sections.push_back(std::move(s));
    }

    // Symbols.
    if (dynsym)
        readSymbols(elf, *dynsym, true, versym, verneed, verdef);
    if (symtab)
        readSymbols(elf, *symtab, false, nullptr, nullptr, nullptr);

    // Dynamic table.
    const auto dynamic = take(elf.dynamicEntries(), p, "dynamic table");
    std::unordered_map<std::uint64_t, std::uint64_t> tags;
    std::uint64_t flags1 = 0;
    std::vector<std::uint64_t> neededOffsets, rpathOffsets, runpathOffsets;
    std::optional<std::uint64_t> sonameOffset;
    for (const auto& d : dynamic) {
        const auto tag = static_cast<std::uint64_t>(d.d_tag);
        const std::uint64_t value = d.d_un.d_val;
        if (tag == llvm::ELF::DT_NULL)
            break;
        switch (tag) {
        case llvm::ELF::DT_NEEDED:
            neededOffsets.push_back(value);
            break;
        case llvm::ELF::DT_RPATH:
            rpathOffsets.push_back(value);
            break;
        case llvm::ELF::DT_RUNPATH:
            runpathOffsets.push_back(value);
            break;
        case llvm::ELF::DT_SONAME:
            sonameOffset = value;
            break;
        case llvm::ELF::DT_FLAGS_1:
            flags1 = value;
            break;
        default:
            tags.emplace(tag, value);
            break;
        }
    }
    if (!dynamic.empty()) {
        const auto strtab = tags.find(llvm::ELF::DT_STRTAB);
        const auto strsz = tags.find(llvm::ELF::DT_STRSZ);
        if (strtab == tags.end() || strsz == tags.end())
            fail(p, "malformed ELF file: dynamic table without DT_STRTAB/DT_STRSZ");
        const auto strings = bytesAt(strtab->second, strsz->second);
        if (strings.empty() && strsz->second)
            fail(p, "malformed ELF file: DT_STRTAB " + EhReader::hex(strtab->second) + " is not in the file");
        const auto str = [&](std::uint64_t offset) {
            if (offset >= strings.size())
                fail(p, "malformed ELF file: dynamic string offset " + std::to_string(offset) +
                            " is past DT_STRSZ");
            const auto* s = reinterpret_cast<const char*>(strings.data() + offset);
            return std::string(s, strnlen(s, strings.size() - static_cast<std::size_t>(offset)));
        };
        for (auto o : neededOffsets)
            needed.push_back(str(o));
        for (auto o : rpathOffsets)
            for (auto& dir : splitPath(str(o)))
                rpath.push_back(std::move(dir));
        for (auto o : runpathOffsets)
            for (auto& dir : splitPath(str(o)))
                runpath.push_back(std::move(dir));
        if (sonameOffset)
            soname = str(*sonameOffset);
    }
    noDefaultLibraries = (flags1 & llvm::ELF::DF_1_NODEFLIB) != 0;

    switch (header.e_type) {
    case llvm::ELF::ET_EXEC:
        kind = Kind::Executable;
        break;
    case llvm::ELF::ET_DYN:
        pie = (flags1 & llvm::ELF::DF_1_PIE) || (!interpreter.empty() && soname.empty());
        kind = pie ? Kind::Executable : Kind::SharedObject;
        break;
    default:
        kind = Kind::Other;
        break;
    }

    // Dynamic relocations.
    std::size_t relocationCount = 0;
    for (const auto* sec : relaSections)
        relocationCount += sec->sh_entsize ? sec->sh_size / sec->sh_entsize : 0;
    for (const auto* sec : relrSections) // at least one relocation per RELR word
        relocationCount += sec->sh_entsize ? sec->sh_size / sec->sh_entsize : 0;
    relocations.reserve(relocationCount);
    for (const auto* sec : relaSections) {
        for (const auto& r : take(elf.relas(*sec), p, "relocation section")) {
            const auto sym = r.getSymbol(false);
            relocations.push_back(
                {r.r_offset, r.getType(false), sym ? static_cast<std::int64_t>(sym) : -1, r.r_addend});
        }
    }
    for (const auto* sec : relrSections) {
        for (const auto& r : elf.decode_relrs(take(elf.relrs(*sec), p, "SHT_RELR section"))) {
            const auto slot = bytesAt(r.r_offset, 8);
            if (slot.empty())
                fail(p, "malformed ELF file: RELR slot " + EhReader::hex(r.r_offset) + " is not in the file");
            relocations.push_back(
                {r.r_offset, kRRelative, -1, static_cast<std::int64_t>(readLe64(slot.data()))});
        }
    }
    std::stable_sort(relocations.begin(), relocations.end(),
                     [](const Relocation& a, const Relocation& b) { return a.offset < b.offset; });

    // Init and fini functions, in the order they run.
    const auto array = [&](int which, std::uint64_t addrTag,
                           std::uint64_t sizeTag) -> std::vector<std::uint64_t> {
        const auto a = tags.find(addrTag);
        const auto s = tags.find(sizeTag);
        if (a != tags.end())
            return pointerArray(a->second, s == tags.end() ? 0 : s->second);
        if (arraySections[which] && dynamic.empty())
            return pointerArray(arraySections[which]->sh_addr, arraySections[which]->sh_size);
        return {};
    };
    const bool staticStart = interpreter.empty() && kind == Kind::Executable;
    const auto preinit = array(0, llvm::ELF::DT_PREINIT_ARRAY, llvm::ELF::DT_PREINIT_ARRAYSZ);
    const auto initArray = array(1, llvm::ELF::DT_INIT_ARRAY, llvm::ELF::DT_INIT_ARRAYSZ);
    auto finiArray = array(2, llvm::ELF::DT_FINI_ARRAY, llvm::ELF::DT_FINI_ARRAYSZ);
    init = preinit;
    if (auto t = tags.find(llvm::ELF::DT_INIT); t != tags.end())
        init.push_back(t->second);
    else if (initSection && staticStart)
        init.push_back(initSection->sh_addr);
    init.insert(init.end(), initArray.begin(), initArray.end());
    fini.assign(finiArray.rbegin(), finiArray.rend());
    if (auto t = tags.find(llvm::ELF::DT_FINI); t != tags.end())
        fini.push_back(t->second);
    else if (finiSection && staticStart)
        fini.push_back(finiSection->sh_addr);

    // FDEs: from .eh_frame, or located through PT_GNU_EH_FRAME when there are no section headers.
    try {
        if (ehFrame) {
            const auto bytes = take(elf.getSectionContents(*ehFrame), p, ".eh_frame");
            fdes = parseEhFrame({bytes.data(), bytes.size()}, ehFrame->sh_addr);
        } else if (ehFrameHdr) {
            const auto hdr = bytesAt(ehFrameHdr->p_vaddr, 4);
            if (hdr.size() == 4 && hdr[0] == 1 && hdr[1] != llvm::dwarf::DW_EH_PE_omit) {
                const auto whole = bytesAt(ehFrameHdr->p_vaddr, ehFrameHdr->p_filesz);
                const EhReader r(whole, ehFrameHdr->p_vaddr);
                std::size_t pos = 4;
                const auto ehFrameAddress = r.pointer(pos, hdr[1], true);
                const auto* seg = loadFor(ehFrameAddress);
                if (seg)
                    fdes =
                        parseEhFrame(bytesAt(ehFrameAddress, seg->address + seg->fileSize - ehFrameAddress),
                                     ehFrameAddress);
            }
        }
    } catch (const std::runtime_error& e) {
        fail(p, std::string("malformed .eh_frame: ") + e.what());
    }

    // Function starts.
    const auto addStart = [&](std::uint64_t a) {
        if (inCode(a))
            functionStarts.push_back(a);
    };
    for (const auto* table : {&dynamicSymbols, &symbols}) {
        for (const auto& s : *table) {
            if (s.defined && (s.type == llvm::ELF::STT_FUNC || s.type == llvm::ELF::STT_GNU_IFUNC))
                addStart(s.value);
        }
    }
    for (const auto& [start, end] : fdes)
        addStart(start);
    if (entry)
        addStart(entry);
    for (auto a : init)
        addStart(a);
    for (auto a : fini)
        addStart(a);
    for (const auto& r : relocations) {
        if (r.type == kRIRelative)
            addStart(static_cast<std::uint64_t>(r.addend));
    }
    std::sort(functionStarts.begin(), functionStarts.end());
    functionStarts.erase(std::unique(functionStarts.begin(), functionStarts.end()), functionStarts.end());

    // Address -> symbol tables.
    const auto buildLookup = [](const std::vector<Symbol>& table, std::vector<const Symbol*>& out,
                                std::uint64_t& maxSize) {
        for (const auto& s : table) {
            if (s.defined && (s.type == llvm::ELF::STT_FUNC || s.type == llvm::ELF::STT_GNU_IFUNC)) {
                out.push_back(&s);
                maxSize = std::max(maxSize, s.size);
            }
        }
        std::sort(out.begin(), out.end(), [](const Symbol* a, const Symbol* b) {
            if (a->value != b->value)
                return a->value < b->value;
            return betterName(*b, *a); // the best name last among equal addresses
        });
    };
    buildLookup(symbols, funcSymtab, maxFuncSizeSymtab);
    buildLookup(dynamicSymbols, funcDynsym, maxFuncSizeDynsym);
}

// Version index -> name, from .gnu.version_d (definitions) and .gnu.version_r (requirements).
// Parsed here rather than with ELFFile::loadVersionMap: LLVM 14 copies the whole rest of the string
// table into every version name, which costs 100+ ms on libLLVM.
std::vector<std::optional<ElfImage::Impl::VersionName>>
ElfImage::Impl::readVersionNames(const ElfFile& elf, const Shdr* verneed, const Shdr* verdef) const {
    std::vector<std::optional<VersionName>> names;
    const auto set = [&](std::size_t index, std::string name, bool definition) {
        if (index >= names.size())
            names.resize(index + 1);
        names[index] = VersionName{std::move(name), definition};
    };
    for (const auto* sec : {verdef, verneed}) {
        if (!sec)
            continue;
        const bool definitions = sec == verdef;
        const char* what = definitions ? ".gnu.version_d" : ".gnu.version_r";
        const auto bytes = take(elf.getSectionContents(*sec), path, what);
        const auto* linked = take(elf.getSection(sec->sh_link), path, what);
        const auto strtab = take(elf.getStringTable(*linked), path, what);
        const auto need = [&](std::uint64_t offset, std::uint64_t size) {
            if (offset > bytes.size() || bytes.size() - offset < size)
                fail(path, std::string(what) + ": entry at offset " + std::to_string(offset) +
                               " runs past the end of the section");
        };
        const auto str = [&](std::uint32_t offset) {
            if (offset >= strtab.size())
                fail(path, std::string(what) + ": name offset " + std::to_string(offset) +
                               " is past the string table");
            return std::string(strtab.data() + offset);
        };
        std::uint64_t pos = 0;
        for (std::uint32_t record = 0; record < sec->sh_info; ++record) {
            if (definitions) {
                need(pos, 20); // Elf64_Verdef: version, flags, ndx, cnt, hash, aux, next
                const auto* d = bytes.data() + pos;
                const auto index = readLe16(d + 4) & llvm::ELF::VERSYM_VERSION;
                const auto auxCount = readLe16(d + 6);
                if (auxCount) {
                    need(pos + readLe32(d + 12), 8); // the first Elf64_Verdaux names the version
                    set(index, str(readLe32(d + readLe32(d + 12))), true);
                }
                if (!readLe32(d + 16))
                    break;
                pos += readLe32(d + 16);
            } else {
                need(pos, 16); // Elf64_Verneed: version, cnt, file, aux, next
                const auto* n = bytes.data() + pos;
                auto auxPos = pos + readLe32(n + 8);
                for (std::uint16_t k = 0; k < readLe16(n + 2); ++k) {
                    need(auxPos, 16); // Elf64_Vernaux: hash, flags, other, name, next
                    const auto* a = bytes.data() + auxPos;
                    set(readLe16(a + 6) & llvm::ELF::VERSYM_VERSION, str(readLe32(a + 8)), false);
                    if (!readLe32(a + 12))
                        break;
                    auxPos += readLe32(a + 12);
                }
                if (!readLe32(n + 12))
                    break;
                pos += readLe32(n + 12);
            }
        }
    }
    return names;
}

void ElfImage::Impl::readSymbols(const ElfFile& elf, const Shdr& table, bool dynamic, const Shdr* versym,
                                 const Shdr* verneed, const Shdr* verdef) {
    const char* what = dynamic ? ".dynsym" : ".symtab";
    const auto syms = take(elf.symbols(&table), path, what);
    const auto strtab = take(elf.getStringTableForSymtab(table), path, what);
    llvm::ArrayRef<ELFT::Versym> versions;
    std::vector<std::optional<VersionName>> versionNames;
    if (versym) {
        versions = take(elf.getSectionContentsAsArray<ELFT::Versym>(*versym), path, ".gnu.version");
        if (versions.size() != syms.size())
            fail(path, ".gnu.version has " + std::to_string(versions.size()) + " entries for " +
                           std::to_string(syms.size()) + " dynamic symbols");
        versionNames = readVersionNames(elf, verneed, verdef);
    }
    auto& out = dynamic ? dynamicSymbols : symbols;
    out.reserve(syms.size());
    for (std::size_t i = 0; i < syms.size(); ++i) {
        const auto& sym = syms[i];
        Symbol s;
        auto name = sym.getName(strtab);
        if (!name)
            fail(path, std::string(what) + " symbol " + std::to_string(i) + ": " +
                           llvm::toString(name.takeError()));
        s.name = name->str();
        s.value = sym.st_value;
        s.size = sym.st_size;
        s.type = sym.getType();
        s.binding = sym.getBinding();
        s.visibility = sym.getVisibility();
        s.defined = sym.st_shndx != llvm::ELF::SHN_UNDEF;
        s.dynamic = dynamic;
        if (!versions.empty()) {
            const std::uint16_t v = versions[i].vs_index;
            const std::size_t index = v & llvm::ELF::VERSYM_VERSION;
            if (index > llvm::ELF::VER_NDX_GLOBAL) {
                if (index >= versionNames.size() || !versionNames[index])
                    fail(path, ".gnu.version: symbol " + std::to_string(i) + " (" + s.name +
                                   ") refers to the missing version index " + std::to_string(index));
                s.version = versionNames[index]->name;
                s.defaultVersion = versionNames[index]->definition && !(v & llvm::ELF::VERSYM_HIDDEN);
            }
        }
        out.push_back(std::move(s));
    }
}

std::vector<std::uint64_t> ElfImage::Impl::pointerArray(std::uint64_t address, std::uint64_t size) const {
    std::vector<std::uint64_t> out;
    for (std::uint64_t slot = address; slot + 8 <= address + size; slot += 8) {
        std::uint64_t value = 0;
        if (const auto* r = relocationAt(slot)) {
            if (r->type == kRRelative) {
                value = static_cast<std::uint64_t>(r->addend);
            } else if (r->type == kRX86_64_64 && r->symbol > 0 &&
                       static_cast<std::size_t>(r->symbol) < dynamicSymbols.size() &&
                       dynamicSymbols[static_cast<std::size_t>(r->symbol)].defined) {
                value = dynamicSymbols[static_cast<std::size_t>(r->symbol)].value +
                        static_cast<std::uint64_t>(r->addend);
            } else {
                continue; // resolved in another module, or not a plain pointer
            }
        } else {
            const auto bytes = bytesAt(slot, 8);
            if (bytes.empty())
                continue;
            value = readLe64(bytes.data());
        }
        if (value != 0 && value != ~std::uint64_t{0})
            out.push_back(value);
    }
    return out;
}

const ElfImage::Symbol* ElfImage::Impl::lookup(const std::vector<const Symbol*>& table, std::uint64_t maxSize,
                                               std::uint64_t address) {
    auto it = std::upper_bound(table.begin(), table.end(), address,
                               [](std::uint64_t a, const Symbol* s) { return a < s->value; });
    while (it != table.begin()) {
        --it;
        const auto* s = *it;
        const auto offset = address - s->value;
        if (offset == 0 || offset < s->size)
            return s;
        if (offset >= maxSize)
            break;
    }
    return nullptr;
}

// .gnu_debuglink: the debug file's name, NUL-terminated and padded to 4 bytes, then its CRC32. A
// malformed one is ignored (it only serves to find debug information).
void ElfImage::Impl::readDebugLink(const ElfFile& elf, const Shdr& sh) {
    auto contents = elf.getSectionContents(sh);
    if (!contents) {
        llvm::consumeError(contents.takeError());
        return;
    }
    const auto* data = reinterpret_cast<const char*>(contents->data());
    const auto nameLength = strnlen(data, contents->size());
    const auto crcOffset = (nameLength + 1 + 3) & ~std::size_t{3};
    if (nameLength == 0 || crcOffset + 4 > contents->size())
        return;
    const std::string name(data, nameLength);
    if (name.find('/') != std::string::npos || name == "." || name == "..")
        return;
    debugLink = name;
    debugLinkCrc = readLe32(contents->data() + crcOffset);
}

// The build-id file first, then the .gnu_debuglink file in the places gdb looks (with both this
// file's directory as named and with symlinks resolved).
std::unique_ptr<DebugFile> ElfImage::Impl::findSeparateDebugFile() const {
    if (buildId.size() > 2) {
        auto found = openDebugFile(std::string(kDebugRoot) + "/.build-id/" + buildId.substr(0, 2) + "/" +
                                   buildId.substr(2) + ".debug");
        if (found && found->buildId == buildId)
            return found;
    }
    if (debugLink.empty())
        return nullptr;
    std::vector<std::string> dirs;
    llvm::SmallString<256> absolute(path);
    if (!llvm::sys::fs::make_absolute(absolute))
        dirs.push_back(llvm::sys::path::parent_path(absolute).str());
    llvm::SmallString<256> real;
    if (!llvm::sys::fs::real_path(path, real)) {
        auto dir = llvm::sys::path::parent_path(real).str();
        if (std::find(dirs.begin(), dirs.end(), dir) == dirs.end())
            dirs.push_back(std::move(dir));
    }
    for (const auto& dir : dirs) {
        for (const auto& candidate : {dir + "/" + debugLink, dir + "/.debug/" + debugLink,
                                      std::string(kDebugRoot) + dir + "/" + debugLink}) {
            auto found = openDebugFile(candidate);
            if (!found)
                continue;
            // Two build-ids decide (and spare reading a large file for its CRC); otherwise the CRC.
            const bool matches =
                !buildId.empty() && !found->buildId.empty()
                    ? found->buildId == buildId
                    : llvm::crc32(llvm::arrayRefFromStringRef(found->buffer->getBuffer())) == debugLinkCrc;
            if (matches)
                return found;
        }
    }
    return nullptr;
}

llvm::DWARFContext* ElfImage::Impl::dwarfContext() {
    if (dwarfCreated)
        return dwarf.get();
    dwarfCreated = true;
    const auto* debugFile = separateDebugFile();
    const llvm::object::ObjectFile* source = debugInfo   ? object.get()
                                             : debugFile ? debugFile->object.get()
                                                         : nullptr;
    if (!source)
        return nullptr;
    // Linked files carry no relocations for their debug sections that are still to be applied.
    const auto relocationAction = source->isRelocatableObject()
                                      ? llvm::DWARFContext::ProcessDebugRelocations::Process
                                      : llvm::DWARFContext::ProcessDebugRelocations::Ignore;
    const auto ignore = [](llvm::Error e) {
        llvm::consumeError(std::move(e));
    };
    dwarf = llvm::DWARFContext::create(*source, relocationAction, nullptr, "", ignore, ignore);
    return dwarf.get();
}

ElfImage::ElfImage(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
ElfImage::~ElfImage() = default;

std::shared_ptr<const ElfImage> ElfImage::load(const std::string& path) {
    auto impl = std::make_unique<Impl>();
    impl->load(path);
    return std::shared_ptr<const ElfImage>(new ElfImage(std::move(impl)));
}

const std::string& ElfImage::path() const {
    return impl_->path;
}
ElfImage::Kind ElfImage::kind() const {
    return impl_->kind;
}
bool ElfImage::isPie() const {
    return impl_->pie;
}
std::uint64_t ElfImage::entry() const {
    return impl_->entry;
}
const std::string& ElfImage::buildId() const {
    return impl_->buildId;
}
const std::string& ElfImage::interpreter() const {
    return impl_->interpreter;
}
const std::string& ElfImage::soname() const {
    return impl_->soname;
}
const std::vector<std::string>& ElfImage::needed() const {
    return impl_->needed;
}
const std::vector<std::string>& ElfImage::rpath() const {
    return impl_->rpath;
}
const std::vector<std::string>& ElfImage::runpath() const {
    return impl_->runpath;
}
bool ElfImage::noDefaultLibraries() const {
    return impl_->noDefaultLibraries;
}
bool ElfImage::hasDebugInfo() const {
    return impl_->debugInfo || impl_->separateDebugFile();
}
const std::string& ElfImage::separateDebugFile() const {
    static const std::string none;
    const auto* file = impl_->separateDebugFile();
    return file ? file->path : none;
}
const std::vector<ElfImage::Section>& ElfImage::sections() const {
    return impl_->sections;
}
const std::vector<ElfImage::Segment>& ElfImage::loadSegments() const {
    return impl_->loads;
}
const std::vector<ElfImage::Symbol>& ElfImage::symbols() const {
    return impl_->symbols;
}
const std::vector<ElfImage::Symbol>& ElfImage::dynamicSymbols() const {
    return impl_->dynamicSymbols;
}
const std::vector<ElfImage::Relocation>& ElfImage::relocations() const {
    return impl_->relocations;
}
const ElfImage::Relocation* ElfImage::relocationAt(std::uint64_t address) const {
    return impl_->relocationAt(address);
}
const std::vector<std::uint64_t>& ElfImage::initFunctions() const {
    return impl_->init;
}
const std::vector<std::uint64_t>& ElfImage::finiFunctions() const {
    return impl_->fini;
}
const std::vector<std::uint64_t>& ElfImage::functionStarts() const {
    return impl_->functionStarts;
}
const std::vector<std::pair<std::uint64_t, std::uint64_t>>& ElfImage::fdeRanges() const {
    return impl_->fdes;
}
const std::vector<ElfImage::CodeRegion>& ElfImage::codeRegions() const {
    return impl_->code;
}

std::span<const std::uint8_t> ElfImage::bytesAt(std::uint64_t address, std::uint64_t size) const {
    return impl_->bytesAt(address, size);
}

std::optional<std::string> ElfImage::cStringAt(std::uint64_t address, std::size_t maxLength) const {
    const auto* seg = impl_->loadFor(address);
    if (!seg)
        return std::nullopt;
    const auto available = seg->fileSize - (address - seg->address);
    const auto bytes = impl_->bytesAt(address, maxLength >= available ? available : maxLength + 1);
    const auto* begin = reinterpret_cast<const char*>(bytes.data());
    const auto* nul = static_cast<const char*>(std::memchr(begin, 0, bytes.size()));
    if (!nul)
        return std::nullopt;
    return std::string(begin, nul);
}

const ElfImage::Symbol* ElfImage::symbolFor(std::uint64_t address) const {
    if (const auto* s = Impl::lookup(impl_->funcSymtab, impl_->maxFuncSizeSymtab, address))
        return s;
    return Impl::lookup(impl_->funcDynsym, impl_->maxFuncSizeDynsym, address);
}

std::optional<ElfImage::SourceLocation> ElfImage::sourceLocation(std::uint64_t address) const {
    try {
        const std::lock_guard lock(impl_->dwarfMutex);
        auto* dwarf = impl_->dwarfContext();
        if (!dwarf)
            return std::nullopt;
        // LLVM 14 dereferences a null DIE when it looks for the subprogram in a unit whose DIEs do
        // not parse (a corrupt .debug_abbrev): only ask about units whose DIEs are there.
        auto* unit = dwarf->getCompileUnitForAddress(address);
        if (!unit || !unit->getUnitDIE(/*ExtractUnitDIEOnly=*/false).isValid())
            return std::nullopt;
        const auto info = dwarf->getLineInfoForAddress(
            {address, llvm::object::SectionedAddress::UndefSection},
            llvm::DILineInfoSpecifier(llvm::DILineInfoSpecifier::FileLineInfoKind::AbsoluteFilePath,
                                      llvm::DILineInfoSpecifier::FunctionNameKind::LinkageName));
        if (info.FileName == llvm::DILineInfo::BadString)
            return std::nullopt; // no line table row covers the address
        SourceLocation location;
        location.file = info.FileName;
        location.line = info.Line;
        if (info.FunctionName != llvm::DILineInfo::BadString)
            location.function = info.FunctionName;
        return location;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

} // namespace swb
