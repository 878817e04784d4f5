#include "model/trace.h"

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <set>

namespace swb {

std::string StackFrame::display() const {
    char buf[32];
    std::string out = module.empty() ? std::string("?") : module;
    out += '!';
    if (function.empty()) {
        std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(offset));
        out += buf;
    } else {
        out += function;
        std::snprintf(buf, sizeof buf, "+0x%llx", static_cast<unsigned long long>(offset));
        out += buf;
    }
    return out;
}

void Trace::reserve(std::size_t n) {
    time_.reserve(n);
    pid_.reserve(n);
    tid_.reserve(n);
    nr_.reserve(n);
    ret_.reserve(n);
    args_.reserve(n);
    flags_.reserve(n);
}

void Trace::shrinkToFit() {
    time_.shrink_to_fit();
    pid_.shrink_to_fit();
    tid_.shrink_to_fit();
    nr_.shrink_to_fit();
    ret_.shrink_to_fit();
    args_.shrink_to_fit();
    flags_.shrink_to_fit();
    stackId_.shrink_to_fit();
}

void Trace::append(const SyscallEvent& e) {
    time_.push_back(e.timeNs);
    pid_.push_back(e.pid);
    tid_.push_back(e.tid);
    nr_.push_back(e.nr);
    ret_.push_back(e.ret);
    args_.push_back(e.args);
    flags_.push_back(e.flags);
    if (e.stackId != 0 && stackId_.empty())
        stackId_.assign(time_.size() - 1, 0);
    if (!stackId_.empty())
        stackId_.push_back(e.stackId);
}

SyscallEvent Trace::event(std::size_t i) const {
    SyscallEvent e;
    e.timeNs = time_[i];
    e.pid = pid_[i];
    e.tid = tid_[i];
    e.nr = nr_[i];
    e.args = args_[i];
    e.ret = ret_[i];
    e.flags = flags_[i];
    e.stackId = stackId(i);
    return e;
}

std::uint32_t Trace::internStack(const Stack& stack) {
    std::string key;
    for (const auto& f : stack) {
        key.append(reinterpret_cast<const char*>(&f.ip), sizeof f.ip);
        key += f.module;
        key += '\0';
        key += f.function;
        key += '\0';
    }
    auto [it, inserted] = stackIndex_.try_emplace(std::move(key), 0);
    if (inserted) {
        stacks_.push_back(stack);
        it->second = static_cast<std::uint32_t>(stacks_.size());
    }
    return it->second;
}

ProcessInfo* Trace::findProcess(Pid pid) {
    for (auto it = processes.rbegin(); it != processes.rend(); ++it)
        if (it->pid == pid)
            return &*it;
    return nullptr;
}

const ProcessInfo* Trace::findProcess(Pid pid) const {
    return const_cast<Trace*>(this)->findProcess(pid);
}

ProcessInfo& Trace::addProcess(ProcessInfo p) {
    processes.push_back(std::move(p));
    return processes.back();
}

std::vector<int> Trace::uniqueSyscalls() const {
    std::vector<bool> seen;
    for (auto nr : nr_) {
        if (nr < 0)
            continue;
        if (static_cast<std::size_t>(nr) >= seen.size())
            seen.resize(static_cast<std::size_t>(nr) + 1);
        seen[static_cast<std::size_t>(nr)] = true;
    }
    std::vector<int> out;
    for (std::size_t i = 0; i < seen.size(); ++i)
        if (seen[i])
            out.push_back(static_cast<int>(i));
    return out;
}

std::vector<std::string> Trace::uniqueSyscallNames() const {
    const auto& table = SyscallTable::forArch(arch);
    std::set<std::string> names;
    for (int nr : uniqueSyscalls())
        names.insert(table.name(nr));
    return {names.begin(), names.end()};
}

std::int64_t Trace::durationNs() const {
    std::int64_t end = 0;
    if (!time_.empty())
        end = *std::max_element(time_.begin(), time_.end());
    for (const auto& p : processes)
        end = std::max({end, p.endNs, p.startNs});
    for (const auto& s : signalEvents)
        end = std::max(end, s.timeNs);
    return end;
}

std::size_t Trace::memoryBytes() const {
    std::size_t bytes = time_.capacity() * sizeof(std::int64_t) + pid_.capacity() * sizeof(Pid) +
                        tid_.capacity() * sizeof(Pid) + nr_.capacity() * sizeof(std::int32_t) +
                        ret_.capacity() * sizeof(std::int64_t) +
                        args_.capacity() * sizeof(std::array<std::uint64_t, 6>) + flags_.capacity() +
                        stackId_.capacity() * sizeof(std::uint32_t);
    for (const auto& s : stacks_)
        for (const auto& f : s)
            bytes += sizeof f + f.module.capacity() + f.function.capacity();
    return bytes;
}

void Trace::sortByTime() {
    if (std::is_sorted(time_.begin(), time_.end()))
        return;
    std::vector<std::size_t> order(time_.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return time_[a] < time_[b]; });
    auto permute = [&](auto& column) {
        if (column.empty())
            return;
        std::remove_reference_t<decltype(column)> sorted;
        sorted.reserve(column.size());
        for (auto i : order)
            sorted.push_back(column[i]);
        column.swap(sorted);
    };
    permute(time_);
    permute(pid_);
    permute(tid_);
    permute(nr_);
    permute(ret_);
    permute(args_);
    permute(flags_);
    permute(stackId_);
    std::stable_sort(signalEvents.begin(), signalEvents.end(),
                     [](const SignalEvent& a, const SignalEvent& b) { return a.timeNs < b.timeNs; });
}

} // namespace swb
