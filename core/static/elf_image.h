#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace swb {

// One ELF file as the static analyzer needs it, loaded with LLVM's Object library (x86-64 only for
// now). Addresses are the file's virtual addresses (unrelocated: a PIE or library starts near 0).
// No LLVM type appears here.
class ElfImage {
public:
    enum class Kind : std::uint8_t { Executable, SharedObject, Other };

    struct Section {
        std::string name;
        std::uint64_t address = 0;
        std::uint64_t size = 0;
        std::uint32_t type = 0;  // SHT_*
        std::uint64_t flags = 0; // SHF_*
    };

    struct Symbol {
        std::string name;
        std::string version;         // from .gnu.version/.gnu.version_d/_r; empty when unversioned
        bool defaultVersion = true;  // false for a hidden (non-default, "@" not "@@") version
        std::uint64_t value = 0;
        std::uint64_t size = 0;
        std::uint8_t type = 0;       // STT_* (STT_FUNC, STT_GNU_IFUNC, STT_OBJECT, ...)
        std::uint8_t binding = 0;    // STB_*
        std::uint8_t visibility = 0; // STV_*
        bool defined = false;        // st_shndx != SHN_UNDEF
        bool dynamic = false;        // from .dynsym (otherwise .symtab)
    };

    struct Relocation {
        std::uint64_t offset = 0;  // address patched
        std::uint32_t type = 0;    // R_X86_64_*
        std::int64_t symbol = -1;  // index into dynamicSymbols(), -1 when none
        std::int64_t addend = 0;
    };

    // Loads and validates the file; throws swb::Error("PATH: problem") for a missing, unreadable,
    // non-ELF, non-x86-64 or malformed file.
    static std::shared_ptr<const ElfImage> load(const std::string& path);

    ~ElfImage();

    const std::string& path() const;
    Kind kind() const;
    bool isPie() const;                   // ET_DYN with an entry point and PT_INTERP
    std::uint64_t entry() const;          // e_entry (0 when none)
    const std::string& buildId() const;   // lower-case hex of NT_GNU_BUILD_ID; empty when absent
    const std::string& interpreter() const; // PT_INTERP, empty when none (static or a library)
    const std::string& soname() const;
    const std::vector<std::string>& needed() const;  // DT_NEEDED in order
    const std::vector<std::string>& rpath() const;   // DT_RPATH entries, unexpanded
    const std::vector<std::string>& runpath() const; // DT_RUNPATH entries, unexpanded
    bool hasDebugInfo() const;                      // a .debug_info section is present

    const std::vector<Section>& sections() const;
    const std::vector<Symbol>& symbols() const;        // .symtab (empty when stripped)
    const std::vector<Symbol>& dynamicSymbols() const; // .dynsym, index 0 is the null symbol
    // Dynamic relocations (.rela.dyn and .rela.plt): JUMP_SLOT, GLOB_DAT, RELATIVE, 64, IRELATIVE, ...
    const std::vector<Relocation>& relocations() const;
    // The relocation that patches exactly this address, if any.
    const Relocation* relocationAt(std::uint64_t address) const;

    // Function addresses of .preinit_array, .init_array and .fini_array (after applying their
    // RELATIVE / 64 relocations), plus DT_INIT and DT_FINI.
    const std::vector<std::uint64_t>& initFunctions() const;
    const std::vector<std::uint64_t>& finiFunctions() const;

    // Every known function start: FUNC/IFUNC symbols of both tables, .eh_frame FDE starts, entry,
    // init/fini functions. Sorted, unique. FDEs are what makes stripped binaries analyzable.
    const std::vector<std::uint64_t>& functionStarts() const;
    // The [start, end) ranges of .eh_frame FDEs, sorted by start.
    const std::vector<std::pair<std::uint64_t, std::uint64_t>>& fdeRanges() const;

    // Executable bytes: the executable PT_LOAD segments (file-backed part), by address.
    struct CodeRegion {
        std::uint64_t address = 0;
        std::span<const std::uint8_t> bytes;
    };
    const std::vector<CodeRegion>& codeRegions() const;

    // Bytes of the file mapped at [address, address+size) from any PT_LOAD; empty span when not
    // entirely file-backed.
    std::span<const std::uint8_t> bytesAt(std::uint64_t address, std::uint64_t size) const;
    // A NUL-terminated string at a virtual address (e.g. a dlopen argument in .rodata).
    std::optional<std::string> cStringAt(std::uint64_t address, std::size_t maxLength = 4096) const;
    // The best symbol name for an address: the FUNC symbol containing it (symtab first, then dynsym).
    const Symbol* symbolFor(std::uint64_t address) const;

    struct Impl;

private:
    explicit ElfImage(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Where ld.so would find the libraries of a program, following its rules: DT_RPATH (only when
// there is no DT_RUNPATH) of the loading object and its loaders, LD_LIBRARY_PATH (optional),
// DT_RUNPATH of the loading object, the ld.so.cache / ld.so.conf directories, then the default
// directories. "$ORIGIN", "$LIB" and "$PLATFORM" are expanded. Everything is looked up inside
// rootfs when one is given (paths in the rootfs's ld.so.conf are rootfs-relative; absolute
// symlinks inside the rootfs are resolved against the rootfs).
class LibraryResolver {
public:
    explicit LibraryResolver(std::string rootfs = {}, std::vector<std::string> ldLibraryPath = {});

    // The host path of the library NAME needed by `loader`, whose chain of loaders (innermost
    // last: the program first) supplies DT_RPATH. nullopt when not found.
    std::optional<std::string> resolve(const std::string& name, const ElfImage& loader,
                                       const std::vector<const ElfImage*>& loaderChain) const;
    // The host path of a path as the program sees it (inside the rootfs).
    std::string hostPath(const std::string& pathInRootfs) const;
    // The directories searched after the RUNPATH, in order (ld.so.conf then defaults), as host paths.
    const std::vector<std::string>& systemDirectories() const { return systemDirs_; }

private:
    std::string rootfs_;
    std::vector<std::string> ldLibraryPath_;
    std::vector<std::string> systemDirs_;
};

// One loaded program: the executable, the dynamic loader and every library in ld.so's breadth-first
// load order, with the DT_NEEDED edges and the names that could not be found.
struct LoadedProgram {
    struct Module {
        std::shared_ptr<const ElfImage> image;
        std::string hostPath;
        std::vector<std::size_t> needed; // indices into modules
    };
    std::vector<Module> modules; // [0] = the executable; the interpreter follows the executable's needs
    std::vector<std::string> missing; // "libfoo.so.1 (needed by /usr/bin/x)"
};

// Loads a program and its libraries as ld.so would (breadth-first over DT_NEEDED, each library once
// by its resolved path), including PT_INTERP. Extra libraries (dlopen'ed) are appended with their
// own dependencies. Throws swb::Error when the program itself cannot be loaded.
LoadedProgram loadProgram(const std::string& program, const LibraryResolver& resolver,
                          const std::vector<std::string>& extraLibraries = {});

} // namespace swb
