#ifndef ARTIFACTFS_CLIBPQ_SHIM_H
#define ARTIFACTFS_CLIBPQ_SHIM_H
// libpq, PostgreSQL's own client library (Debian's libpq-dev): the metadata store's PostgreSQL backend.
#include <libpq-fe.h>
#endif
