#pragma once

#include <stdexcept>
#include <string>

namespace swb {

// Every user-facing failure of the engine: the message names the file, the position and the problem.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A long operation stopped because its caller asked it to (a Cancel button); nothing was written.
class Cancelled : public Error {
public:
    Cancelled()
        : Error("cancelled") {}
};

} // namespace swb
