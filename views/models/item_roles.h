#pragma once

#include <Qt>

namespace swb {

// Custom roles shared by the trace models. They carry semantic values; views decide how to show them.
enum ItemRole : int {
    // A value that orders the column: qint64/quint64 for numbers and times, QString for names.
    SortRole = Qt::UserRole + 1,
    // int: the syscall number of the row, the same in every column.
    SyscallNumberRole,
};

} // namespace swb
