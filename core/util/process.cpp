#include "util/process.h"

#include "util/error.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace swb {

// A memory file for a child's output.
int memoryFile(const char* name, bool closeOnExec) {
    const int fd = static_cast<int>(::syscall(SYS_memfd_create, name, closeOnExec ? MFD_CLOEXEC : 0U));
    if (fd < 0)
        throw Error(std::string("memfd_create: ") + std::strerror(errno));
    return fd;
}

std::string readBack(int fd) {
    std::string out;
    const off_t size = ::lseek(fd, 0, SEEK_END);
    if (size > 0) {
        out.resize(static_cast<std::size_t>(size));
        const ssize_t n = ::pread(fd, out.data(), out.size(), 0);
        out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    }
    return out;
}

// Runs argv with stdin from /dev/null and stdout/stderr into the given descriptors (-1: inherited);
// returns the shell-style exit status. Throws when the program cannot be started.
int runProcess(const std::vector<std::string>& argv, int outFd, int errFd) {
    std::vector<char*> cargv;
    for (const auto& a : argv)
        cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    int pipeFds[2];
    if (::pipe2(pipeFds, O_CLOEXEC) != 0)
        throw Error(std::string("pipe2: ") + std::strerror(errno));
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(pipeFds[0]);
        ::close(pipeFds[1]);
        throw Error(std::string("fork: ") + std::strerror(errno));
    }
    if (pid == 0) {
        const int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            ::dup2(devnull, 0);
        if (outFd >= 0)
            ::dup2(outFd, 1);
        if (errFd >= 0)
            ::dup2(errFd, 2);
        ::execvp(cargv[0], cargv.data());
        const int err = errno;
        (void)!::write(pipeFds[1], &err, sizeof err);
        ::_exit(127);
    }
    ::close(pipeFds[1]);
    int childErr = 0;
    const ssize_t n = ::read(pipeFds[0], &childErr, sizeof childErr);
    ::close(pipeFds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (n == static_cast<ssize_t>(sizeof childErr))
        throw Error(argv[0] + ": cannot execute: " + std::strerror(childErr));
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

} // namespace swb
