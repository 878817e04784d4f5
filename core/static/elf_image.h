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
// Symbols, versions and relocations come from the section headers (a file stripped of them, as by
// sstrip, has none; its FDEs are still found through PT_GNU_EH_FRAME). No LLVM type appears here.
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
        std::string version; // from .gnu.version/.gnu.version_d/_r; empty when unversioned
        // false for a hidden (non-default, "@" not "@@") version, and for every versioned undefined
        // symbol (a reference to a required version prints as "@" too); true when unversioned.
        bool defaultVersion = true;
        std::uint64_t value = 0;
        std::uint64_t size = 0;
        std::uint8_t type = 0;       // STT_* (STT_FUNC, STT_GNU_IFUNC, STT_OBJECT, ...)
        std::uint8_t binding = 0;    // STB_*
        std::uint8_t visibility = 0; // STV_*
        bool defined = false;        // st_shndx != SHN_UNDEF
        bool dynamic = false;        // from .dynsym (otherwise .symtab)
    };

    struct Relocation {
        std::uint64_t offset = 0; // address patched
        std::uint32_t type = 0;   // R_X86_64_*
        std::int64_t symbol = -1; // index into dynamicSymbols(), -1 when none
        std::int64_t addend = 0;
    };

    // A PT_LOAD segment.
    struct Segment {
        std::uint64_t address = 0;    // p_vaddr
        std::uint64_t memorySize = 0; // p_memsz
        std::uint64_t fileOffset = 0; // p_offset
        std::uint64_t fileSize = 0;   // p_filesz
        std::uint32_t flags = 0;      // PF_R | PF_W | PF_X
    };

    // Loads and validates the file; throws swb::Error("PATH: problem") for a missing, unreadable,
    // non-ELF, non-x86-64 or malformed file. The file stays mapped while the image lives.
    static std::shared_ptr<const ElfImage> load(const std::string& path);

    ~ElfImage();

    const std::string& path() const;
    // ET_EXEC and PIEs are Executable, other ET_DYN files SharedObject (libc.so.6 has a PT_INTERP
    // and an entry point but is a SharedObject).
    Kind kind() const;
    bool isPie() const;                     // ET_DYN with DF_1_PIE, or with PT_INTERP and no DT_SONAME
    std::uint64_t entry() const;            // e_entry (0 when none)
    const std::string& buildId() const;     // lower-case hex of NT_GNU_BUILD_ID; empty when absent
    const std::string& interpreter() const; // PT_INTERP, empty when none (static or a library)
    const std::string& soname() const;
    const std::vector<std::string>& needed() const;  // DT_NEEDED in order
    const std::vector<std::string>& rpath() const;   // DT_RPATH entries, unexpanded
    const std::vector<std::string>& runpath() const; // DT_RUNPATH entries, unexpanded
    bool noDefaultLibraries() const;                 // DF_1_NODEFLIB (ld -z nodefaultlib)
    // A .debug_info section is present in this file, or a separate debug file was found for it (see
    // sourceLocation). The first call on a file without its own may look for and check that file.
    bool hasDebugInfo() const;
    // The separate debug file in use, empty when there is none (or the file has its own .debug_info).
    const std::string& separateDebugFile() const;

    const std::vector<Section>& sections() const;
    const std::vector<Segment>& loadSegments() const;  // PT_LOAD, by address
    const std::vector<Symbol>& symbols() const;        // .symtab (empty when stripped), [0] is null
    const std::vector<Symbol>& dynamicSymbols() const; // .dynsym, index 0 is the null symbol
    // Dynamic relocations (the SHF_ALLOC SHT_RELA sections: .rela.dyn, .rela.plt, a static
    // executable's IRELATIVEs; .relr.dyn entries as RELATIVE with their implicit addend):
    // JUMP_SLOT, GLOB_DAT, RELATIVE, 64, IRELATIVE, ... Sorted by offset.
    const std::vector<Relocation>& relocations() const;
    // The relocation that patches exactly this address, if any.
    const Relocation* relocationAt(std::uint64_t address) const;

    // Function addresses of .preinit_array, .init_array and .fini_array (after applying their
    // RELATIVE / 64 relocations), plus DT_INIT and DT_FINI (the .init/.fini sections of a static
    // executable), in the order they run: preinit_array, DT_INIT, init_array; fini_array backwards,
    // then DT_FINI. Null, -1 and slots relocated against an undefined symbol are left out.
    const std::vector<std::uint64_t>& initFunctions() const;
    const std::vector<std::uint64_t>& finiFunctions() const;

    // Every known function start inside the code: defined FUNC/IFUNC symbols of both tables,
    // .eh_frame FDE starts, entry, init/fini functions, IRELATIVE resolvers. Sorted, unique. FDEs
    // are what makes stripped binaries analyzable.
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
    // The best symbol name for an address: the FUNC/IFUNC symbol containing it (symtab first, then
    // dynsym; a symbol without a size contains only its own address). Among aliases, global before
    // weak before local, then names without a leading underscore, then the shortest.
    const Symbol* symbolFor(std::uint64_t address) const;

    struct SourceLocation {
        // As DWARF names it, joined to the compilation directory (which may itself be relative:
        // Debian's packages say "./csu/./csu/version.c").
        std::string file;
        std::uint32_t line = 0; // 0 for code the compiler attributes to no source line
        // DW_AT_linkage_name, else DW_AT_name: mangled for C++, the asm label when a C function has
        // one (glibc's __GI___finitef); empty when DWARF names no subprogram there.
        std::string function;
    };
    // The source location of a code address from DWARF line tables (and the enclosing subprogram's
    // name), from this file's .debug_* sections or its separate debug file; nullopt without debug info
    // or when no line table covers the address. Inside inlined code, the file, line and function are
    // those of the innermost inlined function (as addr2line prints them without -i).
    // The separate debug file is /usr/lib/debug/.build-id/xx/yyyy.debug when its build-id matches,
    // otherwise the .gnu_debuglink file (in the file's directory, its .debug/ subdirectory or under
    // /usr/lib/debug, each with the path as given and with symlinks resolved) when the build-ids
    // match, or the CRC32 when either has none. DWARF is read on the first call. Never throws: a
    // corrupt debug file is ignored, corrupt DWARF gives nullopt (or garbled names). Safe to call
    // from several threads (the calls are serialized).
    std::optional<SourceLocation> sourceLocation(std::uint64_t address) const;

    struct Impl;

private:
    explicit ElfImage(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Where ld.so would find the libraries of a program, following its rules (man ld.so):
//   1. DT_RPATH of the loading object, then of its loader, and on up to the program (objects with a
//      DT_RUNPATH contribute none), all skipped when the loading object has a DT_RUNPATH;
//   2. LD_LIBRARY_PATH (the constructor argument);
//   3. DT_RUNPATH of the loading object only;
//   4. the directories of /etc/ld.so.conf (following `include` globs), which is what ld.so.cache
//      holds, then the default directories; for an object linked with -z nodefaultlib
//      (DF_1_NODEFLIB) only the ld.so.conf directories outside the default ones.
// "$ORIGIN", "$LIB" and "$PLATFORM" (also "${...}") are expanded. A name containing '/' is used as
// a path. Candidates that are not x86-64 ELF64 files are skipped, as ld.so does. Everything is looked
// up inside rootfs when one is given: paths in the rootfs's ld.so.conf are rootfs-relative and
// symlinks (absolute ones too) are resolved against the rootfs, never the host.
// Paths "as the program sees them" are paths inside the rootfs (host paths without a rootfs).
// Not modelled: glibc-hwcaps subdirectories, empty search-path entries (the current directory),
// secure-execution restrictions.
class LibraryResolver {
public:
    // rootfs: the host directory holding the program's filesystem; empty or "/" for the host itself.
    explicit LibraryResolver(std::string rootfs = {}, std::vector<std::string> ldLibraryPath = {});

    // One object of a chain of loaders.
    struct Loader {
        const ElfImage* image = nullptr;
        std::string path; // as the program sees it: the program's canonical path, a library's path
                          // as it was found (its directory is $ORIGIN)
    };
    struct Found {
        std::string path;     // as the program sees it (what ld.so would record), not canonicalized
        std::string hostPath; // where to read it
    };

    // Where ld.so finds library NAME needed by the last object of `loaderChain`; the chain goes from
    // the program (first) through each object's loader to the needing object (last); it must not be
    // empty. nullopt when not found.
    std::optional<Found> resolve(const std::string& name, const std::vector<Loader>& loaderChain) const;

    // The host path of a path as the program sees it: inside the rootfs with every symlink resolved
    // against the rootfs; unchanged without a rootfs. A relative path is relative to the rootfs's /.
    std::string hostPath(const std::string& pathInRootfs) const;
    // The path as the program sees it with every symlink, "." and ".." resolved (inside the rootfs).
    std::string canonicalPath(const std::string& pathInRootfs) const;
    // Expands $ORIGIN / ${ORIGIN} to `origin`, $LIB and $PLATFORM as this system's ld.so does.
    std::string expandTokens(const std::string& text, const std::string& origin) const;

    const std::string& rootfs() const { return rootfs_; } // empty for the host
    // What $LIB expands to: "lib/x86_64-linux-gnu" on a Debian-style multiarch system (Debian's
    // glibc is built that way, whatever man ld.so says), "lib64" otherwise.
    const std::string& libToken() const { return libToken_; }
    // The directories searched after the RUNPATH, in order (ld.so.conf then defaults), as the
    // program sees them; duplicates removed.
    const std::vector<std::string>& systemDirectories() const { return systemDirs_; }
    // The default directories (a subset of systemDirectories()).
    const std::vector<std::string>& defaultDirectories() const { return defaultDirs_; }
    // Libraries named in the rootfs's /etc/ld.so.preload, loaded after the program by ld.so.
    const std::vector<std::string>& preloadLibraries() const { return preload_; }

private:
    std::optional<Found> tryPath(const std::string& path) const;
    void readLdSoConf(const std::string& file, int depth);
    std::vector<std::string> globInRoot(const std::string& pattern) const;

    std::string rootfs_;
    std::vector<std::string> ldLibraryPath_;
    std::string libToken_;
    std::vector<std::string> systemDirs_;
    std::vector<std::string> defaultDirs_;
    std::vector<std::string> preload_;
};

// One loaded program: the executable, the dynamic loader and every library in ld.so's breadth-first
// load order, with the DT_NEEDED edges and the names that could not be found.
struct LoadedProgram {
    struct Module {
        std::shared_ptr<const ElfImage> image;
        std::string path;                // as the program sees it (inside the rootfs)
        std::string hostPath;            // == image->path()
        std::vector<std::size_t> needed; // indices into modules, in DT_NEEDED order (found ones)
    };
    // [0] = the executable, then the /etc/ld.so.preload libraries, then the DT_NEEDED closure
    // breadth-first; the interpreter sits where it is first needed (libc needs it) or after the
    // closure when nothing needs it; then the extra libraries with their own new dependencies.
    // The order is the one `LD_TRACE_LOADED_OBJECTS=1 PROGRAM` (ldd) prints.
    std::vector<Module> modules;
    std::optional<std::size_t> interpreter; // the PT_INTERP module, when there is one and it exists
    std::vector<std::string> missing;       // "libfoo.so.1 (needed by /usr/bin/x)"
};

// ElfImage::load that loads each file once: an analysis loads the program again in every dlopen
// round, with the same libraries.
class ImageCache {
public:
    std::shared_ptr<const ElfImage> load(const std::string& hostPath);

private:
    std::map<std::string, std::shared_ptr<const ElfImage>> images_;
};

// Loads a program and its libraries as ld.so would (breadth-first over DT_NEEDED, each library once:
// a name matching the soname or path of a loaded object, or a file already loaded under another
// path, is not loaded again), including PT_INTERP. Extra libraries (dlopen'ed by the program) are
// appended with their own dependencies; they are looked up as if the program called dlopen.
// `program` and `extraLibraries` are paths as the program sees them (inside the resolver's rootfs).
// Throws swb::Error when the program itself cannot be loaded; a library that cannot be found or is
// not an x86-64 ELF file is recorded in `missing`.
// Images come from `images` when given.
LoadedProgram loadProgram(const std::string& program, const LibraryResolver& resolver,
                          const std::vector<std::string>& extraLibraries = {}, ImageCache* images = nullptr);

} // namespace swb
