#pragma once

#include "model/syscall_knowledge.h"

namespace swb {

// The knowledge base compiled into the application (":/swb/syscalls/knowledge.json"), parsed once.
// A damaged resource is a build defect: the error is logged and the base is empty.
const SyscallKnowledgeBase& bundledSyscallKnowledge();

} // namespace swb
