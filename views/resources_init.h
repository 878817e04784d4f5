#pragma once

namespace swb {
// Registers the bundled resources (icon, knowledge base). swb_views is a static library, so its
// resources must be registered explicitly before the first use; calling this again is harmless.
void initResources();
} // namespace swb
