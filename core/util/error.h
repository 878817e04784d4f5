#pragma once

#include <stdexcept>
#include <string>

namespace swb {

// Every user-facing failure of the engine: the message names the file, the position and the problem.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

} // namespace swb
