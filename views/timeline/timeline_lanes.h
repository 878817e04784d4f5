#pragma once

#include "model/syscall_category.h"
#include "model/trace.h"
#include "timeline/timeline_coordinates.h"

#include <QString>

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace swb::timeline {

// One row of the timeline: every event of a process, or of one of its threads.
struct Lane {
    enum class Kind : std::uint8_t { Process, Thread };
    Kind kind = Kind::Process;
    Pid pid = 0;
    Pid tid = 0; // 0 for a process lane
    // Executable file name and pid ("nginx 120"), or pid/tid for a thread ("nginx 120/121").
    QString label;
    // Event indexes sorted by time, so a repaint binary-searches the visible slice.
    std::vector<std::uint32_t> events;
};

// What one pixel column of a lane shows: the events of [columnStart(column), columnStart(column + 1)).
struct ColumnMark {
    int column = 0;
    int count = 0;
    SyscallCategory dominant = SyscallCategory::Other; // the category with the most events
    int highlighted = 0;                               // events of the highlighted syscall
    bool violation = false;                            // an event broke the profile being validated
};

// The lanes of a trace and the queries a timeline needs, without any widget: a process lane per
// process, followed by one lane per thread when the process has more than one (a single-threaded
// process' thread lane would repeat its process lane). Processes come in the trace's order; pids
// with events but no process record follow, labelled "pid N".
class TimelineLanes {
public:
    void setTrace(std::shared_ptr<const Trace> trace);
    const std::shared_ptr<const Trace>& trace() const { return trace_; }
    const std::vector<Lane>& lanes() const { return lanes_; }
    // [0, end of the trace], the range "fit" shows.
    TimeRange fullRange() const { return full_; }

    // Positions in lane.events of the events with a time in [fromNs, toNs).
    std::pair<std::size_t, std::size_t> slice(const Lane& lane, qint64 fromNs, qint64 toNs) const;
    // The non-empty columns of LANE over WIDTH pixels showing RANGE, in column order. HIGHLIGHTNR
    // is counted per column when >= 0. OUT is reused so a repaint does not allocate.
    void aggregate(const Lane& lane, TimeRange range, int width, int highlightNr,
                   std::vector<ColumnMark>& out) const;
    // Events per syscall number in [fromNs, toNs) of LANE, most frequent first (ties by number).
    std::vector<std::pair<int, int>> syscallCounts(const Lane& lane, qint64 fromNs, qint64 toNs) const;
    SyscallCategory category(int nr) const {
        return nr >= 0 && static_cast<std::size_t>(nr) < categories_.size()
                   ? categories_[static_cast<std::size_t>(nr)]
                   : SyscallCategory::Other;
    }

    // Event times around TIME over all lanes: the latest before it, the earliest after it, the
    // nearest one (the earlier on a tie). nullopt when there is none.
    std::optional<qint64> previousEventTime(qint64 timeNs) const;
    std::optional<qint64> nextEventTime(qint64 timeNs) const;
    std::optional<qint64> nearestEventTime(qint64 timeNs) const;

private:
    qint64 sortedTime(std::size_t k) const;

    std::shared_ptr<const Trace> trace_;
    std::vector<Lane> lanes_;
    std::vector<SyscallCategory> categories_;
    // Every event time in order; empty when the trace's own order is by time (the usual case).
    std::vector<qint64> sortedTimes_;
    TimeRange full_;
};

} // namespace swb::timeline
