#include <sqlite3.h>

// sqlite3_config is variadic, which Swift cannot call. Each connection is used
// by one thread at a time, so the library needs no mutexes of its own, and its
// memory statistics (one global mutex per allocation) are of no use to us.
static inline int taxon_sqlite_configure(void) {
    int rc = sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    if (rc == SQLITE_OK) rc = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return rc;
}
