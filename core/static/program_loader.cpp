#include "static/elf_image.h"

#include "util/error.h"

#include <sys/stat.h>

#include <algorithm>
#include <map>

namespace swb {

namespace {

constexpr std::size_t kNoLoader = static_cast<std::size_t>(-1);

std::string dirName(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos)
        return ".";
    return slash == 0 ? std::string("/") : path.substr(0, slash);
}

// Builds the LoadedProgram in ld.so's order (_dl_map_object_deps): a list that starts with the
// program and the preloads, and grows at the end as each object's DT_NEEDED entries are mapped.
class ProgramLoader {
public:
    ProgramLoader(const LibraryResolver& resolver, LoadedProgram& out, ImageCache* images)
        : resolver_(resolver)
        , out_(out)
        , images_(images) {}

    void run(const std::string& program, const std::vector<std::string>& extraLibraries) {
        const auto host = resolver_.hostPath(program);
        auto exe = load(host);
        // ld.so takes the program's $ORIGIN from /proc/self/exe: the canonical path.
        add(exe, program, host, kNoLoader, resolver_.canonicalPath(program));

        if (!exe->interpreter().empty())
            prepareInterpreter(*exe, program);

        for (const auto& name : resolver_.preloadLibraries()) {
            if (!lookupOrLoad(name, 0))
                recordMissing(name, "from /etc/ld.so.preload");
        }
        mapDependencies();
        if (interpreter_)
            placeInterpreter(); // nothing needed it: ld.so is loaded all the same

        for (const auto& name : extraLibraries) {
            if (!lookupOrLoad(name, 0))
                recordMissing(name, "dlopen by " + program);
            mapDependencies();
        }
    }

private:
    struct FileId {
        dev_t dev = 0;
        ino_t ino = 0;
        auto operator<=>(const FileId&) const = default;
    };
    struct Pending {
        std::shared_ptr<const ElfImage> image;
        std::string path;
        std::string hostPath;
        std::optional<FileId> id;
    };

    std::shared_ptr<const ElfImage> load(const std::string& hostPath) {
        return images_ ? images_->load(hostPath) : ElfImage::load(hostPath);
    }

    static std::optional<FileId> fileId(const std::string& hostPath) {
        struct stat st {};
        if (::stat(hostPath.c_str(), &st) != 0)
            return std::nullopt;
        return FileId{st.st_dev, st.st_ino};
    }

    std::size_t add(std::shared_ptr<const ElfImage> image, const std::string& path,
                    const std::string& hostPath, std::size_t loader, const std::string& originPath) {
        const auto index = out_.modules.size();
        if (!image->soname().empty())
            byName_.emplace(image->soname(), index);
        byName_.emplace(path, index);
        if (auto id = fileId(hostPath))
            byFile_.emplace(*id, index);
        out_.modules.push_back({std::move(image), path, hostPath, {}});
        loaderOf_.push_back(loader);
        originPath_.push_back(originPath);
        return index;
    }

    void prepareInterpreter(const ElfImage& exe, const std::string& program) {
        const auto& path = exe.interpreter();
        const auto host = resolver_.hostPath(path);
        try {
            interpreter_ = Pending{load(host), path, host, fileId(host)};
        } catch (const Error& e) {
            out_.missing.push_back(path + " (interpreter of " + program + "): " + e.what());
        }
    }

    std::size_t placeInterpreter() {
        auto pending = std::move(*interpreter_);
        interpreter_.reset();
        const auto index =
            add(std::move(pending.image), pending.path, pending.hostPath, kNoLoader, pending.path);
        out_.interpreter = index;
        return index;
    }

    bool matchesInterpreter(const std::string& name, const std::optional<FileId>& id) const {
        if (!interpreter_)
            return false;
        if (name == interpreter_->path ||
            (!interpreter_->image->soname().empty() && name == interpreter_->image->soname()))
            return true;
        return id && interpreter_->id && *id == *interpreter_->id;
    }

    std::vector<LibraryResolver::Loader> chainOf(std::size_t index) const {
        std::vector<LibraryResolver::Loader> chain;
        for (auto i = index; i != kNoLoader; i = loaderOf_[i])
            chain.push_back({out_.modules[i].image.get(), originPath_[i]});
        if (chain.back().image != out_.modules[0].image.get()) // the interpreter, an extra library
            chain.push_back({out_.modules[0].image.get(), originPath_[0]});
        std::reverse(chain.begin(), chain.end());
        return chain;
    }

    // The index of the object NAME (a DT_NEEDED entry, already expanded) needed by module `loader`;
    // nullopt with lastProblem_ set when it cannot be loaded.
    std::optional<std::size_t> lookupOrLoad(const std::string& rawName, std::size_t loader) {
        lastProblem_.clear();
        const auto chain = chainOf(loader);
        const auto name = rawName.find('$') == std::string::npos
                              ? rawName
                              : resolver_.expandTokens(rawName, dirName(chain.back().path));
        if (auto it = byName_.find(name); it != byName_.end())
            return it->second;
        if (matchesInterpreter(name, std::nullopt))
            return alias(name, placeInterpreter());

        const auto found = resolver_.resolve(name, chain);
        if (!found)
            return std::nullopt;
        const auto id = fileId(found->hostPath);
        if (id) {
            if (auto it = byFile_.find(*id); it != byFile_.end())
                return alias(name, it->second);
            if (matchesInterpreter(name, id))
                return alias(name, placeInterpreter());
        }
        std::shared_ptr<const ElfImage> image;
        try {
            image = load(found->hostPath);
        } catch (const Error& e) {
            lastProblem_ = e.what();
            return std::nullopt;
        }
        return alias(name, add(std::move(image), found->path, found->hostPath, loader, found->path));
    }

    // "libfoo.so.1 (needed by /usr/bin/x)", followed by ": problem" when the file was found but
    // could not be loaded.
    void recordMissing(const std::string& name, const std::string& why) {
        auto entry = name + " (" + why + ")";
        if (!lastProblem_.empty())
            entry += ": " + lastProblem_;
        out_.missing.push_back(std::move(entry));
    }

    std::size_t alias(const std::string& name, std::size_t index) {
        byName_.emplace(name, index);
        return index;
    }

    void mapDependencies() {
        for (; processed_ < out_.modules.size(); ++processed_) {
            const auto index = processed_;
            const auto needed = out_.modules[index].image->needed();
            for (const auto& name : needed) {
                if (auto dep = lookupOrLoad(name, index)) {
                    auto& edges = out_.modules[index].needed;
                    if (std::find(edges.begin(), edges.end(), *dep) == edges.end())
                        edges.push_back(*dep);
                } else {
                    recordMissing(name, "needed by " + out_.modules[index].path);
                }
            }
        }
    }

    const LibraryResolver& resolver_;
    LoadedProgram& out_;
    ImageCache* images_;
    std::map<std::string, std::size_t> byName_;
    std::map<FileId, std::size_t> byFile_;
    std::vector<std::size_t> loaderOf_;
    std::vector<std::string> originPath_;
    std::optional<Pending> interpreter_;
    std::size_t processed_ = 0;
    std::string lastProblem_;
};

} // namespace

LoadedProgram loadProgram(const std::string& program, const LibraryResolver& resolver,
                          const std::vector<std::string>& extraLibraries, ImageCache* images) {
    LoadedProgram out;
    ProgramLoader(resolver, out, images).run(program, extraLibraries);
    return out;
}

std::shared_ptr<const ElfImage> ImageCache::load(const std::string& hostPath) {
    auto& image = images_[hostPath];
    if (!image)
        image = ElfImage::load(hostPath);
    return image;
}

} // namespace swb
