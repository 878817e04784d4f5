#include "resources_init.h"

#include <QtGlobal>

// Q_INIT_RESOURCE must be used outside any namespace.
static void registerBundledResources() {
    Q_INIT_RESOURCE(resources);
}

namespace swb {
void initResources() {
    static const bool done = (registerBundledResources(), true);
    (void)done;
}
} // namespace swb
