#pragma once

#include <string>
#include <vector>

// Small process helpers: memory files for a child's output, running a program to its end.
namespace swb {

// A memory file (memfd) for a child's output or runc's log; throws swb::Error.
int memoryFile(const char* name, bool closeOnExec);
// The whole content of a memory file.
std::string readBack(int fd);
// Runs argv (PATH searched) with stdin from /dev/null and stdout/stderr into the given descriptors
// (-1: inherited); returns the shell-style exit status. Throws when the program cannot be started.
int runProcess(const std::vector<std::string>& argv, int outFd, int errFd);

} // namespace swb
